/** A rule compile error with the YAML path it concerns (the loader turns the path into a line). */
export class RuleCompileError extends Error {
  readonly path: Array<string | number>;
  constructor(message: string, path: Array<string | number> = []) {
    super(message);
    this.name = 'RuleCompileError';
    this.path = path;
  }
}
