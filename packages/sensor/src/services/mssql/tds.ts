/**
 * TDS (MS-TDS) pieces for the MSSQL honeypot, hand-written because no maintained library implements
 * a SQL Server's side of TDS for a honeypot: PRELOGIN reply, LOGIN7 parsing with the password
 * de-obfuscated, and the ERROR + DONE token stream of a failed login. Reads are bounds-checked.
 */

export const TDS_PRELOGIN = 0x12;
export const TDS_LOGIN7 = 0x10;
export const TDS_SSPI = 0x11;
export const TDS_RESPONSE = 0x04;

/** PRELOGIN VERSION option (major, minor, build) of a patched release of each product. */
export const VERSIONS: Record<string, [number, number, number]> = {
  '2008R2': [10, 50, 6000],
  '2012': [11, 0, 7001],
  '2014': [12, 0, 6024],
  '2019': [15, 0, 4385],
  '2022': [16, 0, 4135],
};

export function tdsPacket(type: number, payload: Buffer, spid = 0): Buffer {
  const h = Buffer.alloc(8);
  h[0] = type;
  h[1] = 0x01; // end of message
  h.writeUInt16BE(payload.length + 8, 2);
  h.writeUInt16BE(spid, 4);
  h[6] = 1;
  return Buffer.concat([h, payload]);
}

/** Server PRELOGIN reply: VERSION, ENCRYPTION (not supported), INSTOPT, THREADID, MARS. */
export function preloginReply(version: [number, number, number]): Buffer {
  const opts: Array<[number, Buffer]> = [
    [0x00, Buffer.from([version[0], version[1], version[2] >> 8, version[2] & 0xff, 0, 0])],
    [0x01, Buffer.from([0x02])],
    [0x02, Buffer.from([0x00])],
    [0x03, Buffer.alloc(0)],
    [0x04, Buffer.from([0x00])],
  ];
  const head = Buffer.alloc(opts.length * 5 + 1);
  let off = head.length;
  opts.forEach(([token, data], i) => {
    head[i * 5] = token;
    head.writeUInt16BE(off, i * 5 + 1);
    head.writeUInt16BE(data.length, i * 5 + 3);
    off += data.length;
  });
  head[head.length - 1] = 0xff;
  return Buffer.concat([head, ...opts.map((o) => o[1])]);
}

export interface Login7 {
  HostName: string;
  UserName: string;
  Password: string;
  AppName: string;
  ServerName: string;
  Language: string;
  Database: string;
  CltIntName: string;
  /** Integrated (SSPI/NTLM/Kerberos) authentication requested. */
  sspi: boolean;
}

/** Client obfuscation is: swap nibbles, then XOR 0xA5. Undo it per byte, then read UTF-16LE. */
export function deobfuscate(b: Buffer): string {
  const out = Buffer.allocUnsafe(b.length);
  for (let i = 0; i < b.length; i++) {
    const c = b[i]! ^ 0xa5;
    out[i] = ((c & 0x0f) << 4) | (c >> 4);
  }
  return out.toString('utf16le');
}

const FIELDS: Array<[keyof Login7, number]> = [
  ['HostName', 36],
  ['UserName', 40],
  ['Password', 44],
  ['AppName', 48],
  ['ServerName', 52],
  ['CltIntName', 60],
  ['Language', 64],
  ['Database', 68],
];

/** Parses a LOGIN7 message (the payload after the TDS header); null when too short to be one. */
export function parseLogin7(p: Buffer): Login7 | null {
  if (p.length < 94) return null;
  const r: Login7 = {
    HostName: '',
    UserName: '',
    Password: '',
    AppName: '',
    ServerName: '',
    Language: '',
    Database: '',
    CltIntName: '',
    sspi: false,
  };
  for (const [name, at] of FIELDS) {
    const ib = p.readUInt16LE(at);
    const end = Math.min(p.length, ib + p.readUInt16LE(at + 2) * 2);
    const raw = ib < end ? p.subarray(ib, end) : Buffer.alloc(0);
    (r as unknown as Record<string, string>)[name] = name === 'Password' ? deobfuscate(raw) : raw.toString('utf16le');
  }
  const fIntSecurity = ((p[25] ?? 0) & 0x80) !== 0;
  r.sspi = fIntSecurity || p.readUInt16LE(80) > 0;
  return r;
}

/** ERROR token (0xAA) followed by DONE with DONE_ERROR, as SQL Server sends for a failed login. */
export function loginError(number: number, message: string, serverName: string): Buffer {
  const msg = Buffer.from(message, 'utf16le');
  const srv = Buffer.from(serverName, 'utf16le');
  const body = Buffer.alloc(4 + 1 + 1 + 2 + msg.length + 1 + srv.length + 1 + 4);
  let o = body.writeInt32LE(number, 0);
  o = body.writeUInt8(1, o); // state
  o = body.writeUInt8(14, o); // class
  o = body.writeUInt16LE(message.length, o);
  o += msg.copy(body, o);
  o = body.writeUInt8(serverName.length, o);
  o += srv.copy(body, o);
  o = body.writeUInt8(0, o); // ProcName
  body.writeInt32LE(1, o); // LineNumber
  const head = Buffer.from([0xaa, 0, 0]);
  head.writeUInt16LE(body.length, 1);
  const done = Buffer.from([0xfd, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  return Buffer.concat([head, body, done]);
}
