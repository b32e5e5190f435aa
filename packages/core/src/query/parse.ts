/**
 * Parser for Kyoka's search language (KQL / Lucene style); see ./README.md for the syntax.
 *
 * Hand-written recursive descent, deliberately: the grammar is tiny (three precedence levels,
 * a handful of clause shapes), it is context-sensitive in one place (after `field:` a bare value
 * runs greedily to whitespace or a parenthesis, so unquoted IPv6 like `source.ip:2001:db8::1`
 * works), every error must point at an exact character position for the console, and a
 * generator would add a build step and a dependency for no gain. Hostile input is bounded:
 * the input length is capped, nesting depth is counted (so the JS stack can never overflow),
 * and every loop consumes input, so parsing is linear in the input length.
 *
 * Grammar (whitespace between tokens is skipped; keywords are case-insensitive):
 *
 *   query      := orExpr? EOF                               (empty → { type: 'all' })
 *   orExpr     := andExpr ( ('or' | '||') andExpr )*
 *   andExpr    := notExpr ( ('and' | '&&')? notExpr )*      (adjacent clauses: implicit AND)
 *   notExpr    := ('not' | '!' | '-') notExpr | '+' notExpr | primary
 *   primary    := '(' orExpr ')'
 *               | WORD ':' fieldValue                       (field clause)
 *               | WORD CMP value                            (destination.port >= 1024)
 *               | PHRASE | WORD                             (free text; `*` alone → all)
 *   fieldValue := '*'                                       (exists)
 *               | '(' listExpr ')'                          (orExpr whose leaves are fieldValues)
 *               | ('[' | '{') bound 'TO' bound (']' | '}')  (`*` bound = open end)
 *               | CMP value                                 (field:>=1024)
 *               | PHRASE | VALUE
 *   CMP        := '>=' | '>' | '<=' | '<'
 */
import { KyokaError } from '../errors/index.ts';
import type { QueryNode } from './ast.ts';

/** Longest accepted query, in UTF-16 code units. */
export const MAX_QUERY_LENGTH = 4096;
/** Deepest accepted nesting of parentheses and negations. */
export const MAX_QUERY_DEPTH = 64;

type RangeOp = 'gt' | 'gte' | 'lt' | 'lte';
type OpKind = 'and' | 'or' | 'not';
interface Op {
  kind: OpKind;
  len: number;
  text: string;
}
/** Where a bare word is being read; decides which characters end it. */
type WordMode = 'text' | 'value' | 'range';
interface Word {
  /** Unescaped text. */
  value: string;
  /** Source text, escapes included. */
  raw: string;
  start: number;
  /** Holds an unescaped `*` or `?`. */
  wildcard: boolean;
}

const ALL: QueryNode = { type: 'all' };
const WS = /\s/;
const FIELD_NAME = /^[A-Za-z_@][A-Za-z0-9_@-]*(?:\.[A-Za-z0-9_@-]+)*$/;
const KEYWORDS: readonly OpKind[] = ['and', 'or', 'not'];
const RANGE_TEXT: Record<RangeOp, string> = { gt: '>', gte: '>=', lt: '<', lte: '<=' };

function isWs(c: string): boolean {
  return c !== '' && WS.test(c);
}

function badQuery(message: string, position: number, expected?: string): KyokaError {
  const details: Record<string, unknown> = { position };
  if (expected !== undefined) details.expected = expected;
  return new KyokaError('KYOKA_E_BAD_QUERY', `${message} (at position ${position})`, { details });
}

/** A keyword must be followed by one of these to count as an operator (`not:x` is a field). */
function isKeywordBoundary(s: string, i: number): boolean {
  const c = s.charAt(i);
  return c === '' || c === '(' || c === ')' || c === '"' || isWs(c);
}

function isTerminator(s: string, i: number, mode: WordMode): boolean {
  const c = s.charAt(i);
  if (c === '(' || c === ')' || c === '"' || isWs(c)) return true;
  if ((c === '&' || c === '|') && s.charAt(i + 1) === c) return true;
  if (mode === 'text') return c === ':' || c === '<' || c === '>';
  if (mode === 'range') return c === ']' || c === '}';
  return false;
}

function negate(node: QueryNode): QueryNode {
  return node.type === 'not' ? node.child : { type: 'not', child: node };
}

function mkAnd(items: QueryNode[]): QueryNode {
  const children: QueryNode[] = [];
  for (const c of items) {
    if (c.type === 'and') children.push(...c.children);
    else if (c.type !== 'all') children.push(c);
  }
  if (children.length === 0) return ALL;
  if (children.length === 1) return children[0] as QueryNode;
  return { type: 'and', children };
}

function mkOr(items: QueryNode[]): QueryNode {
  const children: QueryNode[] = [];
  for (const c of items) {
    if (c.type === 'all') return ALL;
    if (c.type === 'or') children.push(...c.children);
    else children.push(c);
  }
  if (children.length === 1) return children[0] as QueryNode;
  return { type: 'or', children };
}

class Parser {
  private pos = 0;
  private depth = 0;

  constructor(private readonly src: string) {}

  parse(): QueryNode {
    this.skipWs();
    if (this.atEnd()) return ALL;
    const node = this.parseOr(null);
    this.skipWs();
    if (!this.atEnd()) {
      // parseAnd only stops early at ')', so this is a ')' without its '('.
      throw badQuery(`Unexpected '${this.peek()}': no matching '('`, this.pos);
    }
    return node;
  }

  // ---- scanning helpers ---------------------------------------------------------------------

  private atEnd(): boolean {
    return this.pos >= this.src.length;
  }

  private peek(offset = 0): string {
    return this.src.charAt(this.pos + offset);
  }

  private skipWs(): void {
    while (this.pos < this.src.length && isWs(this.src.charAt(this.pos))) this.pos++;
  }

  private enter(position: number): void {
    if (++this.depth > MAX_QUERY_DEPTH) {
      throw badQuery(`Query is nested too deeply (more than ${MAX_QUERY_DEPTH} levels)`, position);
    }
  }

  /** Operator at the current position, if any (`and`, `or`, `not`, `&&`, `||`). */
  private peekOp(): Op | null {
    const s = this.src;
    const i = this.pos;
    const c = s.charAt(i);
    if (c === '&' && s.charAt(i + 1) === '&') return { kind: 'and', len: 2, text: '&&' };
    if (c === '|' && s.charAt(i + 1) === '|') return { kind: 'or', len: 2, text: '||' };
    for (const kw of KEYWORDS) {
      const text = s.slice(i, i + kw.length);
      if (text.toLowerCase() === kw && isKeywordBoundary(s, i + kw.length)) return { kind: kw, len: kw.length, text };
    }
    return null;
  }

  /** After an operator: there must be something to apply it to. */
  private requireOperand(opText: string, opPos: number): void {
    if (this.atEnd()) throw badQuery(`Dangling operator '${opText}': expected a term after it`, opPos, 'a term');
    if (this.peek() === ')') throw badQuery(`Expected a term after '${opText}' but found ')'`, this.pos, 'a term');
    const op = this.peekOp();
    if (op && op.kind !== 'not') {
      throw badQuery(`Expected a term after '${opText}' but found '${op.text}'`, this.pos, 'a term');
    }
  }

  private readWord(mode: WordMode): Word {
    const s = this.src;
    const start = this.pos;
    let i = start;
    let value = '';
    let wildcard = false;
    while (i < s.length) {
      const c = s.charAt(i);
      if (c === '\\') {
        if (i + 1 >= s.length) {
          throw badQuery('Dangling escape: a backslash must be followed by a character', i, 'a character after \\');
        }
        value += s.charAt(i + 1);
        i += 2;
        continue;
      }
      if (isTerminator(s, i, mode)) break;
      if (c === '*' || c === '?') wildcard = true;
      value += c;
      i++;
    }
    this.pos = i;
    return { value, raw: s.slice(start, i), start, wildcard };
  }

  /** A double-quoted phrase starting at the current position; `\` escapes any character. */
  private readPhrase(): string {
    const s = this.src;
    const open = this.pos;
    let i = open + 1;
    let value = '';
    while (i < s.length) {
      const c = s.charAt(i);
      if (c === '\\') {
        if (i + 1 >= s.length) break;
        value += s.charAt(i + 1);
        i += 2;
        continue;
      }
      if (c === '"') {
        this.pos = i + 1;
        return value;
      }
      value += c;
      i++;
    }
    throw badQuery('Unterminated quote: missing closing "', open, '"');
  }

  // ---- grammar ------------------------------------------------------------------------------

  /** `field` is set inside a value list (`field:( ... )`), where leaves are values of that field. */
  private parseOr(field: string | null): QueryNode {
    const children = [this.parseAnd(field)];
    for (;;) {
      this.skipWs();
      const op = this.peekOp();
      if (op?.kind !== 'or') break;
      const opPos = this.pos;
      this.pos += op.len;
      this.skipWs();
      this.requireOperand(op.text, opPos);
      children.push(this.parseAnd(field));
    }
    return mkOr(children);
  }

  private parseAnd(field: string | null): QueryNode {
    const children = [this.parseNot(field)];
    for (;;) {
      this.skipWs();
      if (this.atEnd() || this.peek() === ')') break;
      const op = this.peekOp();
      if (op?.kind === 'or') break;
      if (op?.kind === 'and') {
        const opPos = this.pos;
        this.pos += op.len;
        this.skipWs();
        this.requireOperand(op.text, opPos);
      }
      children.push(this.parseNot(field));
    }
    return mkAnd(children);
  }

  private parseNot(field: string | null): QueryNode {
    this.skipWs();
    const start = this.pos;
    const c = this.peek();
    let neg: boolean;
    let len = 1;
    if (c === '!' || c === '-') neg = true;
    else if (c === '+') neg = false;
    else {
      const op = this.peekOp();
      if (op?.kind !== 'not') return this.parsePrimary(field);
      neg = true;
      len = op.len;
    }
    const opText = this.src.slice(start, start + len);
    this.pos += len;
    this.enter(start);
    this.skipWs();
    this.requireOperand(opText, start);
    const child = this.parseNot(field);
    this.depth--;
    return neg ? negate(child) : child;
  }

  private parsePrimary(field: string | null): QueryNode {
    this.skipWs();
    const start = this.pos;
    const c = this.peek();
    if (c === '') throw badQuery('Expected a term', start, 'a term');
    if (c === '(') return this.parseGroup(field);
    if (c === ')') throw badQuery(`Unexpected ')': no matching '('`, start);
    const op = this.peekOp();
    if (op) throw badQuery(`Unexpected '${op.text}': expected a term before it`, start, 'a term');
    if (field !== null) return this.parseFieldValue(field);

    if (c === '"') return { type: 'text', value: this.readPhrase(), phrase: true, wildcard: false };
    if (c === ':') throw badQuery(`Expected a field name before ':'`, start, 'a field name');
    if (c === '>' || c === '<') {
      throw badQuery(`A comparison needs a field name before it, e.g. destination.port >= 1024`, start, 'a field name');
    }
    if (c === '[' || c === '{') throw badQuery(`A range needs a field, e.g. field:[1 TO 5]`, start, 'a field name');
    if (c === ']' || c === '}') throw badQuery(`Unexpected '${c}'`, start, 'a term');

    const word = this.readWord('text');
    const afterWord = this.pos;
    this.skipWs();
    const next = this.peek();
    if (next === ':') {
      const colon = this.pos;
      this.pos++;
      if (word.raw === '*') {
        // Lucene's match-all `*:*`.
        const value = this.parseAfterColon('*', colon);
        if (value.type === 'exists') return ALL;
        throw badQuery(`'*' is not a field name`, word.start, 'a field name');
      }
      return this.parseAfterColon(this.fieldName(word), colon);
    }
    if (next === '>' || next === '<') return this.parseComparison(this.fieldName(word));
    this.pos = afterWord;
    if (word.raw === '*') return ALL;
    return { type: 'text', value: word.value, phrase: false, wildcard: word.wildcard };
  }

  private fieldName(word: Word): string {
    if (!FIELD_NAME.test(word.value)) {
      throw badQuery(
        `Invalid field name '${word.value}' (to search text containing ':', quote it or escape the ':' as \\:)`,
        word.start,
        'a field name',
      );
    }
    return word.value;
  }

  /** `(` orExpr `)`, at top level or inside a value list. */
  private parseGroup(field: string | null): QueryNode {
    const open = this.pos;
    this.pos++;
    this.enter(open);
    this.skipWs();
    if (this.peek() === ')') throw badQuery('Empty parentheses', this.pos, 'a term');
    if (this.atEnd()) throw badQuery(`Unbalanced parenthesis: '(' is never closed`, open, "')'");
    const node = this.parseOr(field);
    this.skipWs();
    if (this.peek() !== ')') throw badQuery(`Unbalanced parenthesis: '(' is never closed`, open, "')'");
    this.pos++;
    this.depth--;
    return node;
  }

  /** Just after `field:`. Whitespace before the value is allowed (KQL), but then a keyword is not a value. */
  private parseAfterColon(field: string, colon: number): QueryNode {
    const afterColon = colon + 1;
    this.skipWs();
    const missing = () => badQuery(`Missing value after '${field}:'`, afterColon, 'a value');
    if (this.atEnd() || this.peek() === ')') throw missing();
    if (this.pos > afterColon && this.peekOp()) throw missing();
    return this.parseFieldValue(field);
  }

  private parseFieldValue(field: string): QueryNode {
    const start = this.pos;
    const c = this.peek();
    if (c === '(') return this.parseGroup(field);
    if (c === '[' || c === '{') return this.parseBracketRange(field);
    if (c === '>' || c === '<') return this.parseComparison(field);
    if (c === ']' || c === '}') throw badQuery(`Unexpected '${c}'`, start, 'a value');
    if (c === '"') return { type: 'term', field, value: this.readPhrase(), phrase: true, wildcard: false };
    const word = this.readWord('value');
    if (word.raw === '') throw badQuery(`Missing value for field '${field}'`, start, 'a value');
    if (word.raw === '*') return { type: 'exists', field };
    return { type: 'term', field, value: word.value, phrase: false, wildcard: word.wildcard };
  }

  /** At `>`, `>=`, `<` or `<=`: `destination.port >= 1024` or `destination.port:>=1024`. */
  private parseComparison(field: string): QueryNode {
    const opPos = this.pos;
    const gt = this.peek() === '>';
    this.pos++;
    const eq = this.peek() === '=';
    if (eq) this.pos++;
    const op: RangeOp = gt ? (eq ? 'gte' : 'gt') : eq ? 'lte' : 'lt';
    const opText = this.src.slice(opPos, this.pos);
    const afterOp = this.pos;
    this.skipWs();
    const at = this.pos;
    const c = this.peek();
    const missing = () => badQuery(`Missing value after '${field} ${opText}'`, afterOp, 'a value');
    if (c === '' || c === ')' || c === '(' || (at > afterOp && this.peekOp())) throw missing();
    if (c === '"') return { type: 'range', field, op, value: this.readPhrase() };
    if (c === '<' || c === '>' || c === '=') throw badQuery(`Bad range: unexpected '${c}'`, at, 'a value');
    const word = this.readWord('value');
    if (word.raw === '') throw missing();
    if (word.raw === '*') {
      throw badQuery(`Bad range: '*' is not a bound (use ${field}:* to test that the field is present)`, at, 'a value');
    }
    return { type: 'range', field, op, value: word.value };
  }

  /** At `[` or `{`: Lucene `[a TO b]`, `{a TO b}`, mixed brackets, `*` for an open end. */
  private parseBracketRange(field: string): QueryNode {
    const open = this.pos;
    const lowerInclusive = this.peek() === '[';
    this.pos++;
    this.skipWs();
    const lower = this.readBound('lower');
    this.skipWs();
    const toText = this.src.slice(this.pos, this.pos + 2);
    const boundaryAfterTo = this.peek(2);
    if (toText.toLowerCase() !== 'to' || !(isWs(boundaryAfterTo) || boundaryAfterTo === '"')) {
      throw badQuery(`Bad range: expected 'TO' between the bounds`, this.pos, "'TO'");
    }
    this.pos += 2;
    this.skipWs();
    const upper = this.readBound('upper');
    this.skipWs();
    const close = this.peek();
    if (close !== ']' && close !== '}') {
      throw badQuery(
        `Bad range: expected ']' or '}' to close the range opened at position ${open}`,
        this.pos,
        "']' or '}'",
      );
    }
    this.pos++;
    const lo: QueryNode | null =
      lower === null ? null : { type: 'range', field, op: lowerInclusive ? 'gte' : 'gt', value: lower };
    const hi: QueryNode | null =
      upper === null ? null : { type: 'range', field, op: close === ']' ? 'lte' : 'lt', value: upper };
    if (lo && hi) return { type: 'and', children: [lo, hi] };
    return lo ?? hi ?? { type: 'exists', field };
  }

  /** One bound of a bracket range; null for an open end (`*`). */
  private readBound(which: 'lower' | 'upper'): string | null {
    const at = this.pos;
    const missing = () => badQuery(`Bad range: missing ${which} bound`, at, 'a value');
    const c = this.peek();
    if (c === '') throw missing();
    if (c === '"') return this.readPhrase();
    const word = this.readWord('range');
    if (word.raw === '') throw missing();
    if (which === 'lower' && word.raw.toLowerCase() === 'to') {
      // `[TO 5]`: the word is the separator, unless another TO follows (`[TO TO z]`).
      const save = this.pos;
      this.skipWs();
      const isSeparator = this.src.slice(this.pos, this.pos + 2).toLowerCase() !== 'to';
      this.pos = save;
      if (isSeparator) throw missing();
    }
    return word.raw === '*' ? null : word.value;
  }
}

/**
 * Parses a search query into an AST. Throws KyokaError KYOKA_E_BAD_QUERY with
 * `details.position` (0-based, UTF-16 code units) and, when known, `details.expected`.
 */
export function parseQuery(input: string): QueryNode {
  if (typeof input !== 'string') throw badQuery('Query must be a string', 0);
  if (input.length > MAX_QUERY_LENGTH) {
    throw badQuery(`Query is too long (${input.length} characters, at most ${MAX_QUERY_LENGTH})`, MAX_QUERY_LENGTH);
  }
  return new Parser(input).parse();
}

// ---- formatting -------------------------------------------------------------------------------

type EscapeMode = 'text' | 'value' | 'bound';

/** Escapes a bare word so that parseQuery reads it back as exactly `value`. */
function escapeBare(value: string, mode: EscapeMode, keepWildcards: boolean): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value.charAt(i);
    let esc =
      c === '\\' ||
      c === '(' ||
      c === ')' ||
      c === '"' ||
      isWs(c) ||
      ((c === '&' || c === '|') && value.charAt(i + 1) === c) ||
      ((c === '*' || c === '?') && !keepWildcards);
    if (mode === 'text') esc ||= c === ':' || c === '<' || c === '>';
    if (i === 0) {
      if (mode === 'text') esc ||= '-+![]{}'.includes(c);
      else if (mode === 'value') esc ||= '[]{}<>'.includes(c);
      else esc ||= '<>='.includes(c);
    }
    out += esc ? `\\${c}` : c;
  }
  // A bare keyword reads as an operator at top level and after `>= ` (bounds follow a space).
  if (mode !== 'value' && (KEYWORDS as readonly string[]).includes(value.toLowerCase())) out = `\\${out}`;
  return out;
}

function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, '\\$&')}"`;
}

function formatValue(value: string, phrase: boolean, wildcard: boolean, mode: EscapeMode): string {
  if (value === '' || (phrase && !wildcard)) return quote(value);
  return escapeBare(value, mode, wildcard);
}

function formatOperand(node: QueryNode, parenthesize: boolean): string {
  const text = formatQuery(node);
  return parenthesize ? `(${text})` : text;
}

/**
 * Formats an AST as canonical query text: lowercase operators, explicit `and`, minimal
 * parentheses, ranges as `field >= value`. parseQuery(formatQuery(ast)) deep-equals any AST
 * that parseQuery produced.
 */
export function formatQuery(node: QueryNode): string {
  switch (node.type) {
    case 'all':
      return '*';
    case 'and':
      if (node.children.length === 0) return '*';
      return node.children.map((c) => formatOperand(c, c.type === 'or')).join(' and ');
    case 'or':
      if (node.children.length === 0) return 'not *';
      return node.children.map((c) => formatOperand(c, false)).join(' or ');
    case 'not':
      return `not ${formatOperand(node.child, node.child.type === 'and' || node.child.type === 'or')}`;
    case 'exists':
      return `${node.field}:*`;
    case 'term':
      return `${node.field}:${formatValue(node.value, node.phrase, node.wildcard, 'value')}`;
    case 'range': {
      // A field named like a keyword (`and>=5`) must touch its operator, or it reads as `and`.
      const sep = (KEYWORDS as readonly string[]).includes(node.field.toLowerCase()) ? '' : ' ';
      return `${node.field}${sep}${RANGE_TEXT[node.op]} ${formatValue(node.value, false, false, 'bound')}`;
    }
    case 'text':
      return formatValue(node.value, node.phrase, node.wildcard, 'text');
  }
}
