/** Where a CLI command writes: standard output and standard error (tests capture both). */
export interface Output {
  out: (text: string) => void;
  err: (text: string) => void;
}
