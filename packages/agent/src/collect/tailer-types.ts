/** Shapes of the file tailer (tailer.ts): its saved state, options, stats and handle. */
export interface TailState {
  dev: number;
  ino: number;
  offset: number;
  /** Hex of the file's first bytes (up to 64) when the offset was saved. */
  head: string;
}

export interface TailerOptions {
  path: string;
  from: 'start' | 'end';
  state?: TailState | undefined;
  onLine(line: string): void;
  /** Called after the offset advanced or the file changed identity. */
  onState?(state: TailState): void;
  log?(msg: string, extra?: object): void;
  pollMs?: number;
  maxLineBytes?: number;
  chunkBytes?: number;
  /** How long a rotated-away file is still read after the new one appeared. */
  rotateGraceMs?: number;
}

export interface TailerStats {
  lines: number;
  capped: number;
  errors: number;
  rotations: number;
  truncations: number;
  offset: number;
}

export interface Tailer {
  start(): Promise<void>;
  stop(): Promise<void>;
  stats(): TailerStats;
  state(): TailState | undefined;
}
