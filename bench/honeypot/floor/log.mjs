/**
 * bench/honeypot/floor: the one JSON log line per record every Node measuring stick writes with
 * fs.writeSync before it answers (as a honeypot must), and the FLOOR_NO_2001 switch floor.ts sets
 * with --no-ftp-initiated (for an OpenCanary release that logs no 2001 record per FTP connection).
 */
import { openSync, writeSync } from 'node:fs';

export const CONNECT_RECORD = process.env.FLOOR_NO_2001 !== '1';

/** A log(logtype, srcHost, srcPort, logdata) writing to `logFile` for a server on `port`. */
export function openLog(logFile, port) {
  const fd = openSync(logFile, 'a');
  return (logtype, srcHost, srcPort, logdata) => {
    const rec = {
      dst_host: '127.0.0.1',
      dst_port: Number(port),
      local_time: new Date().toISOString(),
      logdata,
      logtype,
      node_id: 'floor',
      src_host: srcHost,
      src_port: srcPort,
    };
    writeSync(fd, `${JSON.stringify(rec)}\n`);
  };
}
