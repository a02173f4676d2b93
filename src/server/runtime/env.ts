/** The `PIC_*` environment a cell was started with (the process's, or a test's own). */
export type Env = Readonly<Record<string, string | undefined>>;
