/**
 * multipart/form-data for inspection: the form fields (name and value) and the file names of
 * uploads, as ModSecurity's ARGS and FILES_NAMES give them; file contents are not inspected (an
 * uploaded HTML page is not an attack on this site). Works on the capped prefix the WAF read, so a
 * body cut mid-part yields what arrived; never throws on malformed input.
 */

export interface FormPart {
  name: string;
  /** Set for a file part (possibly empty). */
  filename?: string;
  /** The field's value (UTF-8); empty for file parts. */
  value: string;
}

/** Parts inspected per body at most (the engine's value budget applies on top). */
const MAX_PARTS = 256;

/** The boundary parameter of a multipart Content-Type, or null. */
export function boundaryOf(contentType: string): string | null {
  const m = /;\s*boundary=(?:"([^"]{1,200})"|([^;\s]{1,200}))/i.exec(contentType);
  return m ? ((m[1] ?? m[2]) as string) : null;
}

/** name="a b" or name=a: RFC 7578 senders quote, a few old ones do not (compiled once). */
const PARAM = {
  name: /;\s*name="((?:[^"\\]|\\.)*)"|;\s*name=([^;\s]*)/i,
  filename: /;\s*filename="((?:[^"\\]|\\.)*)"|;\s*filename=([^;\s]*)/i,
};

function param(disposition: string, key: keyof typeof PARAM): string | undefined {
  const m = PARAM[key].exec(disposition);
  if (!m) return undefined;
  return m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2];
}

export function parseMultipart(body: Buffer, boundary: string): FormPart[] {
  const parts: FormPart[] = [];
  const delim = Buffer.from(`--${boundary}`, 'latin1');
  let at = body.indexOf(delim);
  while (at >= 0 && parts.length < MAX_PARTS) {
    let start = at + delim.length;
    if (body[start] === 0x2d && body[start + 1] === 0x2d) break; // closing delimiter "--boundary--"
    if (body[start] === 0x0d && body[start + 1] === 0x0a) start += 2;
    const next = body.indexOf(delim, start);
    const end = next < 0 ? body.length : next;
    const headEnd = body.indexOf('\r\n\r\n', start, 'latin1');
    if (headEnd < 0 || headEnd > end) break; // headers cut off by the cap: nothing more to read
    const head = body.toString('latin1', start, headEnd);
    let valueEnd = end;
    // the CRLF before the next delimiter belongs to the delimiter
    if (next >= 0 && body[valueEnd - 2] === 0x0d && body[valueEnd - 1] === 0x0a) valueEnd -= 2;
    const disposition = /^content-disposition:(.*)$/im.exec(head)?.[1] ?? '';
    const name = param(disposition, 'name') ?? '';
    const filename = param(disposition, 'filename');
    parts.push(
      filename === undefined
        ? { name, value: body.toString('utf8', headEnd + 4, Math.max(headEnd + 4, valueEnd)) }
        : { name, filename, value: '' },
    );
    at = next;
  }
  return parts;
}
