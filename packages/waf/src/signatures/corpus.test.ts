/** False positives: a corpus of ordinary requests (search terms, forms, JSON APIs, assets) must raise nothing. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createSignatureEngine } from './engine.ts';

const engine = createSignatureEngine();
const q = (v: string) => `/search?q=${encodeURIComponent(v)}&page=2`;
const form = (v: Record<string, string>) => new URLSearchParams(v).toString();

const SEARCHES = [
  "O'Brien",
  "Conan O'Brien's show",
  "rock 'n' roll",
  "Don't stop me now",
  'Tom & Jerry',
  'fish & chips; mushy peas',
  'select a size',
  'Union Station to downtown',
  'how to select from a list in python',
  'order by price',
  'drop shipping',
  'sleep apnea treatment',
  'the "best" laptop (2024)',
  'c++ vs c#',
  '1=1 in math',
  'email me at bob@example.com',
  'a > b and c < d',
  'where is the script for the play',
  'javascript tutorial',
  'on error resume next',
  'price: 10-20 EUR',
  'R&D department',
  'cat food / dog food',
  'I said "hello" -- and left',
  "Bob's -- idea",
  "it's 5 o'clock; time for tea",
  '50% off',
  '100%25 cotton',
  'ls command cheat sheet',
  'café crème brûlée',
  '東京 ラーメン',
  'user@host:~$ help',
  'relative paths like ./src and ~/docs',
  'documents/2024/report.pdf',
];

const URLS = [
  '/',
  '/index.html',
  '/assets/app.3f9a1c.min.js',
  '/static/v1.2.3/lib.bundle.css',
  '/files/report.final.v2.pdf',
  '/api/v1/users/42/orders?sort=-created_at&limit=50&fields=id,total,status',
  '/blog/2024/05/hello-world/',
  '/.well-known/acme-challenge/abcDEF123',
  '/wp-content/uploads/2024/01/photo_1.jpg',
  '/search?q=&page=1',
  '/redirect?next=%2Faccount%2Fsettings',
  '/go?url=https%3A%2F%2Fexample.com%2Fpath%3Fa%3D1',
  '/callback?code=4%2F0AX4XfWh&state=xyz&scope=email%20profile',
  '/item?id=1',
  '/item?id=6068',
  '/maps?ll=48.8584,2.2945&z=17',
  '/calc?expr=(1%2B2)*3',
  '/tags/c%23',
  '/product/men%27s-shoes',
];

const BROWSERS = [
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0',
  'curl/8.5.0',
  'python-requests/2.31.0',
  'Go-http-client/1.1',
  'Googlebot/2.1 (+http://www.google.com/bot.html)',
];

const COOKIES = [
  'sid=s%3AabcDEF.xyz123; theme=dark; consent={"ads":false,"stats":true}',
  '_ga=GA1.2.1234567890.1700000000; _gid=GA1.2.987654321.1700000000; lang=en-US',
  "name=O'Brien; cart=%5B%7B%22id%22%3A1%2C%22qty%22%3A2%7D%5D",
];

const JSON_BODIES = [
  { name: "Conan O'Brien", email: 'conan@example.com', tags: ['tv', 'comedy'], age: 60 },
  { query: 'select a size', filters: { price: { gte: 10, lte: 20 } }, sort: 'price desc' },
  { comment: 'Great post! I tried `npm install` and it worked; thanks :)', rating: 5 },
  { path: 'docs/guide/intro.md', content: 'Use the --force flag, or run it twice.' },
  { html: '<p>Hello <b>world</b> and <a href="https://example.com">a link</a></p>' },
  { sql_tip: 'Filter with a WHERE clause', when: '2024-05-01T10:00:00Z' },
];

const FORMS = [
  form({ user: 'obrien', password: "Pa$$w0rd!'s", remember: 'on' }),
  form({ title: 'Meeting notes', body: 'Agenda: 1) budget; 2) hiring -- then lunch & drinks.' }),
  form({ address: "12 O'Connell St., Dublin", phone: '+353 1 234 5678' }),
  form({ search: 'union square hotels', from: '2024-06-01', to: '2024-06-05' }),
];

it('ordinary requests raise no signature', () => {
  const fp: string[] = [];
  const ua = BROWSERS[0] as string;
  const check = (url: string, headers: Record<string, string>, body?: string) => {
    const hits = engine.inspect({
      url,
      headers: { 'user-agent': ua, ...headers },
      body: body ? Buffer.from(body) : undefined,
    });
    if (hits.length) fp.push(`${url} ${JSON.stringify(headers).slice(0, 80)} ${body ?? ''} → ${hits.map((h) => h.id)}`);
  };
  for (const s of SEARCHES) check(q(s), {});
  for (const s of SEARCHES) check(`/search?q=${s.replace(/ /g, '+').replace(/&/g, '%26').replace(/#/g, '%23')}`, {});
  for (const u of URLS) check(u, { referer: 'https://example.com/page?x=1' });
  for (const b of BROWSERS) check('/', { 'user-agent': b });
  for (const c of COOKIES) check('/account', { cookie: c });
  for (const j of JSON_BODIES) check('/api/items', { 'content-type': 'application/json' }, JSON.stringify(j));
  for (const f of FORMS) check('/submit', { 'content-type': 'application/x-www-form-urlencoded' }, f);
  assert.deepEqual(fp, []);
});
