/**
 * Login form decoding for the HTTP honeypot: the `username`/`password` fields from an
 * application/x-www-form-urlencoded or multipart/form-data body, else from the query string
 * (Twisted's request.args, which OpenCanary reads, merges both with the body winning).
 * Hand-written because it is a dozen lines on an already bounded buffer; never throws.
 */

export interface LoginFields {
  username?: string;
  password?: string;
}

function fromParams(p: URLSearchParams, into: LoginFields): void {
  const u = p.get('username');
  const pw = p.get('password');
  if (u !== null) into.username = u;
  if (pw !== null) into.password = pw;
}

function fromMultipart(body: Buffer, boundary: string, into: LoginFields): void {
  const text = body.toString('utf8');
  for (const part of text.split(`--${boundary}`)) {
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) continue;
    const head = part.slice(0, split);
    const name = /content-disposition:[^\r\n]*\bname="([^"]*)"/i.exec(head)?.[1];
    if (name !== 'username' && name !== 'password') continue;
    if (/\bfilename=/i.test(head)) continue;
    into[name] = part.slice(split + 4).replace(/\r\n$/, '');
  }
}

/** Fields from the query string, then overridden by the body's. */
export function loginFields(query: string, contentType: string | undefined, body: Buffer): LoginFields {
  const out: LoginFields = {};
  try {
    if (query) fromParams(new URLSearchParams(query), out);
    const ct = (contentType ?? '').toLowerCase();
    if (body.length > 0) {
      if (ct.startsWith('multipart/form-data')) {
        const b = /boundary="?([^";]{1,200})"?/i.exec(contentType ?? '')?.[1];
        if (b) fromMultipart(body, b, out);
      } else if (ct === '' || ct.startsWith('application/x-www-form-urlencoded')) {
        fromParams(new URLSearchParams(body.toString('utf8')), out);
      }
    }
  } catch {
    // malformed input: whatever was decoded so far stands
  }
  return out;
}
