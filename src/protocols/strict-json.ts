// A small strict JSON parser (RFC 8259) that refuses duplicate member names, which JSON.parse keeps silently
// (RFC 8259 §4: names SHOULD be unique). Used for admin-supplied JSON whose meaning would be ambiguous.

export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export class JsonSyntaxError extends Error {}
export class DuplicateKeyError extends Error {
  constructor(readonly path: string[]) {
    super(`duplicate key ${path.join('.')}`);
  }
}

export function isJsonObject(value: JsonValue): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const MAX_DEPTH = 32;

/** Parses `text` as one JSON value; throws JsonSyntaxError, or DuplicateKeyError naming the member's path. */
export function parseStrictJson(text: string): JsonValue {
  const parser = new StrictJsonParser(text);
  const value = parser.value([]);
  parser.end();
  return value;
}

class StrictJsonParser {
  private pos = 0;

  constructor(private readonly text: string) {}

  value(path: string[]): JsonValue {
    if (path.length > MAX_DEPTH) this.fail('nested too deeply');
    this.skipWhitespace();
    const char = this.text.charAt(this.pos);
    if (char === '{') return this.object(path);
    if (char === '[') return this.array(path);
    if (char === '"') return this.string();
    if (char === 't') return this.literal('true', true);
    if (char === 'f') return this.literal('false', false);
    if (char === 'n') return this.literal('null', null);
    return this.number();
  }

  end(): void {
    this.skipWhitespace();
    if (this.pos !== this.text.length) this.fail('unexpected text after the JSON value');
  }

  private fail(what: string): never {
    throw new JsonSyntaxError(`${what} at position ${this.pos}`);
  }

  private skipWhitespace(): void {
    while (this.pos < this.text.length && ' \t\n\r'.includes(this.text.charAt(this.pos))) this.pos++;
  }

  private expect(char: string): void {
    if (this.text.charAt(this.pos) !== char) this.fail(`expected "${char}"`);
    this.pos++;
  }

  /** After a value inside a container: true when a `,` follows (another value), false at `close`. */
  private more(close: string): boolean {
    this.skipWhitespace();
    if (this.text.charAt(this.pos) === ',') {
      this.pos++;
      return true;
    }
    this.expect(close);
    return false;
  }

  /** True (and the closing character consumed) when the container opened at `pos` is empty. */
  private empty(close: string): boolean {
    this.pos++;
    this.skipWhitespace();
    if (this.text.charAt(this.pos) !== close) return false;
    this.pos++;
    return true;
  }

  private string(): string {
    // JSON.parse on the exact source slice handles escapes; the scan only finds where the string ends.
    const start = this.pos;
    this.pos++;
    while (this.pos < this.text.length) {
      const char = this.text.charAt(this.pos);
      if (char === '"') {
        this.pos++;
        try {
          return JSON.parse(this.text.slice(start, this.pos)) as string;
        } catch {
          this.pos = start;
          return this.fail('invalid string');
        }
      }
      this.pos += char === '\\' ? 2 : 1;
    }
    return this.fail('unterminated string');
  }

  private number(): number {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(this.text.slice(this.pos));
    if (match === null) return this.fail('invalid value');
    this.pos += match[0].length;
    return Number(match[0]);
  }

  private literal<T extends JsonValue>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) this.fail('invalid value');
    this.pos += word.length;
    return value;
  }

  private object(path: string[]): JsonObject {
    // A null prototype, so a member named "__proto__" is an ordinary key.
    const object = Object.create(null) as JsonObject;
    if (this.empty('}')) return object;
    const seen = new Set<string>();
    do {
      this.skipWhitespace();
      if (this.text.charAt(this.pos) !== '"') this.fail('expected a member name');
      const key = this.string();
      if (seen.has(key)) throw new DuplicateKeyError([...path, key]);
      seen.add(key);
      this.skipWhitespace();
      this.expect(':');
      object[key] = this.value([...path, key]);
    } while (this.more('}'));
    return object;
  }

  private array(path: string[]): JsonValue[] {
    const array: JsonValue[] = [];
    if (this.empty(']')) return array;
    do {
      array.push(this.value([...path, String(array.length)]));
    } while (this.more(']'));
    return array;
  }
}
