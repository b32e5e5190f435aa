/**
 * The signature set. Written for Kyoka (no maintained JavaScript WAF engine exists; the ideas
 * come from OWASP CRS and libinjection, the code is our own). Each signature has a stable id,
 * a category, the normalised view it runs on (see decode.ts) and the request parts it applies
 * to. Patterns favour shapes that real attack tools send over single keywords, so that normal
 * text ("O'Brien", "select a size", "rock & roll") stays clean; corpus.test.ts guards that.
 */

export type Category = 'sqli' | 'xss' | 'lfi' | 'cmdi' | 'scanner';
/** Request parts: URL path, query/body argument (names and values), cookie, header, user agent. */
export type Target = 'path' | 'arg' | 'cookie' | 'header' | 'ua';
export type View = 'plain' | 'sql' | 'html' | 'raw';

export interface Signature {
  id: string;
  category: Category;
  description: string;
  view: View;
  re: RegExp;
  /** Default: every target except 'ua' gets all non-scanner rules; 'ua' is listed where it applies. */
  targets: readonly Target[];
}

const ALL: readonly Target[] = ['path', 'arg', 'cookie', 'header', 'ua'];
const VALUES: readonly Target[] = ['arg', 'cookie', 'header', 'ua'];

const SHELL_CMDS =
  'id|whoami|uname|pwd|ifconfig|hostname|cat|ls|wget|curl|nc|ncat|netcat|bash|sh|zsh|python[23]?|perl|ruby|php|ping|nslookup|chmod|rm|echo|sleep|head|tail|busybox|powershell|cmd(?:\\.exe)?';

export const SIGNATURES: readonly Signature[] = [
  // --- SQL injection -------------------------------------------------------------------------
  {
    id: 'sqli-union-select',
    category: 'sqli',
    description: 'UNION [ALL|DISTINCT] SELECT',
    view: 'sql',
    re: /\bunion(?: all| distinct)? ?\(? ?select\b/,
    targets: VALUES.concat('path'),
  },
  {
    id: 'sqli-boolean-numeric',
    category: 'sqli',
    description: 'boolean blind: AND/OR n=n, n<>m',
    view: 'sql',
    re: /(?:^|[\s'")])(?:and|or|xor|&&|\|\|) ?\(* ?-?\d+ ?(?:=|<>|!=|<=>|>|<|like) ?\(* ?-?\d+/,
    targets: VALUES,
  },
  {
    id: 'sqli-boolean-string',
    category: 'sqli',
    description: "string tautology: ' OR 'a'='a",
    view: 'sql',
    re: /['"]\s*\)* ?(?:and|or|xor|&&|\|\|) ?\(* ?['"][^'"]{0,20}['"] ?(?:=|<>|!=|like) ?\(* ?['"]/,
    targets: VALUES,
  },
  {
    id: 'sqli-quote-terminator',
    category: 'sqli',
    description: "quote closed then comment or tautology: admin'--, ' or 1--, ' or true",
    view: 'plain',
    re: /^[^'"\s]{0,64}['"]\s*\)*\s*(?:--(?:\s|$)|#|;\s*(?:--|$))|['"]\s*\)*\s*(?:or|and)\s+(?:true|false|\d+)\s*(?:--|#|$)/,
    targets: VALUES,
  },
  {
    id: 'sqli-time-blind',
    category: 'sqli',
    description: 'time-based blind: SLEEP(, BENCHMARK(, PG_SLEEP(, WAITFOR DELAY',
    view: 'sql',
    re: /\b(?:sleep|benchmark|pg_sleep|sys\.dbms_lock\.sleep|dbms_pipe\.receive_message) ?\(|\bwaitfor (?:delay|time) ?['"\d]/,
    targets: VALUES,
  },
  {
    id: 'sqli-stacked',
    category: 'sqli',
    description: 'stacked query: ; DROP / EXEC / DECLARE / SHUTDOWN / INSERT INTO …',
    view: 'sql',
    re: /; ?(?:drop (?:table|database)|exec(?:ute)? |declare @|shutdown\b|truncate table|insert into|delete from|update \w+ set|select .{1,80}? from\b|create (?:table|user|database))/,
    targets: VALUES,
  },
  {
    id: 'sqli-functions',
    category: 'sqli',
    description: 'DB-specific functions and catalogs used for extraction',
    view: 'sql',
    re: /\b(?:extractvalue|updatexml|xp_cmdshell|sp_executesql|load_file|into (?:out|dump)file|information_schema|sysobjects|syscolumns|pg_catalog|sqlite_master|utl_inaddr|dbms_[a-z_]+|make_set|json_keys|elt) ?\(|\binformation_schema\.|\b(?:chr|char) ?\( ?\d+ ?\) ?(?:\|\||\+|,)|\bconcat(?:_ws)? ?\( ?0x[0-9a-f]+/,
    targets: VALUES,
  },
  {
    id: 'sqli-subquery',
    category: 'sqli',
    description: 'sub-select or CASE WHEN inside a value: (SELECT …), CASE WHEN … THEN',
    view: 'sql',
    re: /\( ?select\b.{0,120}\b(?:from|case|when|union|limit|null|\d)\b|\bcase when .{1,80}\bthen\b/,
    targets: VALUES,
  },
  {
    id: 'sqli-order-by-probe',
    category: 'sqli',
    description: 'column-count probe: ORDER BY n-- / GROUP BY n--',
    view: 'sql',
    re: /(?:['")]|\d) ?(?:order|group) by \d+ ?(?:--|#|$)/,
    targets: VALUES,
  },
  {
    id: 'sqli-syntax-probe',
    category: 'sqli',
    description: 'sqlmap-style heuristic probe: quotes followed by unbalanced parentheses (1"\'.((()),()',
    view: 'plain',
    re: /['"][.,'"]*[()]{2,}[.,()'"]*/,
    targets: VALUES,
  },
  // --- XSS -------------------------------------------------------------------------------------
  {
    id: 'xss-script-tag',
    category: 'xss',
    description: '<script> tag',
    view: 'html',
    re: /<\s*\/?\s*script\b/,
    targets: ALL,
  },
  {
    id: 'xss-event-handler',
    category: 'xss',
    description: 'on* event handler in a tag or breaking out of an attribute',
    view: 'html',
    re: /<[a-z!][^>]*[\s/"']on[a-z]{3,20}\s*=|['"]\s*\/?\s*on(?:error|load|mouse\w+|focus|blur|click|dblclick|key\w+|change|submit|toggle|animation\w+|pointer\w+|begin|end)\s*=/,
    targets: ALL,
  },
  {
    id: 'xss-js-uri',
    category: 'xss',
    description: 'javascript: / vbscript: / data:text/html URI',
    view: 'html',
    re: /(?:^|[\s"'=(<`])(?:javascript|vbscript|livescript)\s*:|data:\s*text\/html|data:[^,]*;base64,phn/,
    targets: ALL,
  },
  {
    id: 'xss-dangerous-tag',
    category: 'xss',
    description: '<iframe>, <svg>, <object>, <embed>, <math>, <base>, <meta http-equiv>',
    view: 'html',
    re: /<\s*(?:iframe|frame|svg|object|embed|math|base|applet|meta\s[^>]*http-equiv|link\s[^>]*rel\s*=\s*['"]?import|img\s[^>]*src\s*=\s*['"]?\s*(?:javascript|x\b))/,
    targets: ALL,
  },
  {
    id: 'xss-js-sink',
    category: 'xss',
    description: 'alert(1), document.cookie, String.fromCharCode, eval(',
    view: 'html',
    re: /\b(?:alert|prompt|confirm)\s*[(`]\s*['"`\d/]|\bdocument\s*\.\s*(?:cookie|domain|write)\b|\bstring\.fromcharcode\b|\beval\s*\(\s*['"a-z]/,
    targets: VALUES.concat('path'),
  },
  {
    id: 'xss-tag-breakout',
    category: 'xss',
    description: 'attribute/tag break-out probe: \'"><, <\'">',
    view: 'html',
    re: /['"]\s*>\s*<\s*[a-z/!]|<\s*['"]+\s*>/,
    targets: VALUES,
  },
  // --- Path traversal / local file inclusion -----------------------------------------------------
  {
    id: 'lfi-dot-dot',
    category: 'lfi',
    description: 'directory traversal ../ or ..\\ (after decoding %2e%2e%2f and friends)',
    view: 'plain',
    re: /(?:^|[\\/=])\.\.+[\\/]|[\\/]\.\.+$/,
    targets: ALL,
  },
  {
    id: 'lfi-overlong-encoding',
    category: 'lfi',
    description: 'overlong / unicode-encoded dots and slashes (%c0%ae, %c0%af, %u2215)',
    view: 'raw',
    re: /%c0%a[ef]|%c1%9c|%e0%80%ae|%u(?:002e|2215|2216|ff0e)|%25c0%25ae/i,
    targets: ALL,
  },
  {
    id: 'lfi-sensitive-file',
    category: 'lfi',
    description: 'well-known sensitive files: /etc/passwd, /proc/self/environ, win.ini, boot.ini',
    view: 'plain',
    re: /\/etc\/(?:passwd|shadow|group|hosts|issue|sudoers)\b|\/proc\/self\/(?:environ|cmdline|fd|maps)|\b(?:win|system|boot)\.ini\b|\\windows\\system32|\/windows\/system32|\/\.ssh\/(?:id_|authorized)/,
    targets: ALL,
  },
  {
    id: 'lfi-stream-wrapper',
    category: 'lfi',
    description: 'PHP/stream wrappers: php://, phar://, expect://, file://, zip://, data://',
    view: 'plain',
    re: /\b(?:php|phar|expect|zip|glob|data|compress\.zlib|compress\.bzip2|file|jar|gopher|dict):\/\/|\bphp:\/\/(?:filter|input)/,
    targets: VALUES,
  },
  {
    id: 'lfi-null-byte',
    category: 'lfi',
    description: 'NUL byte to cut a file extension (%00)',
    view: 'plain',
    re: /\0/,
    targets: ALL,
  },
  // --- Command injection -------------------------------------------------------------------------
  {
    id: 'cmdi-separator-command',
    category: 'cmdi',
    description: 'shell separator then a command: ;id, |cat /etc/passwd, && whoami',
    view: 'plain',
    re: new RegExp(
      `(?:^|[;|&\\n\`]|\\$\\()\\s*(?:(?:id|whoami|pwd|ifconfig|hostname|uname)\\s*(?:$|[;|&\`#)])|uname\\s+-[a-z]+|(?:${SHELL_CMDS})\\s+(?:-[a-z]|[/~$]|\\d|https?:))`,
    ),
    targets: VALUES,
  },
  {
    id: 'cmdi-substitution',
    category: 'cmdi',
    description: 'command substitution $(cmd) or `cmd`',
    view: 'plain',
    re: new RegExp(`\\$\\(\\s*(?:${SHELL_CMDS})\\b[^)]*\\)|\`\\s*(?:${SHELL_CMDS})\\b[^\`]*\``),
    targets: ALL,
  },
  {
    id: 'cmdi-ifs',
    category: 'cmdi',
    description: 'IFS variable used as a space ($IFS, braces form)',
    view: 'plain',
    re: /\$\{ifs\}|\$ifs\b/,
    targets: ALL,
  },
  {
    id: 'cmdi-shellshock',
    category: 'cmdi',
    description: 'Shellshock function definition () { :; };',
    view: 'plain',
    re: /\(\)\s*\{[^}]*;\s*\}\s*;/,
    targets: ALL,
  },
  {
    id: 'cmdi-jndi',
    category: 'cmdi',
    description: 'Log4Shell JNDI lookup (jndi: inside a lookup, nested lookups too)',
    view: 'plain',
    re: /\$\{\s*(?:j|\$\{[^}]{0,20}j\})(?:n|\$\{[^}]{0,20}n\})(?:d|\$\{[^}]{0,20}d\})(?:i|\$\{[^}]{0,20}i\})\s*:/,
    targets: ALL,
  },
  // --- Scanners and attack tools (User-Agent) -------------------------------------------------
  {
    id: 'scanner-user-agent',
    category: 'scanner',
    description: 'attack tool or vulnerability scanner User-Agent',
    view: 'plain',
    re: /\b(?:sqlmap|nikto|nmap scripting engine|nmap nse|masscan|zgrab|nuclei|dirbuster|gobuster|wpscan|hydra|wfuzz|ffuf|feroxbuster|acunetix|netsparker|appscan|openvas|w3af|arachni|whatweb|commix|jaeles|xsstrike|skipfish|zmeu|havij|paros|webinspect|nessus|morfeus|dirb|jorgee|medusa|fimap|bbqsql|grabber|webshag|uniscan)\b/,
    targets: ['ua'],
  },
];
