// At most one call per `ms` while values keep coming, and always the last value (trailing).
export interface Throttled<T> {
  (value: T): void;
  flush(): void;
  cancel(): void;
}

export function throttle<T>(fn: (value: T) => void, ms: number, now: () => number = () => performance.now()): Throttled<T> {
  let last = -Infinity;
  let pending: { value: T } | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const run = () => {
    timer = null;
    if (!pending) return;
    const { value } = pending;
    pending = null;
    last = now();
    fn(value);
  };
  const call = ((value: T) => {
    pending = { value };
    const wait = last + ms - now();
    if (wait <= 0) run();
    else timer ??= setTimeout(run, wait);
  }) as Throttled<T>;
  call.flush = () => {
    if (timer) clearTimeout(timer);
    run();
  };
  call.cancel = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    pending = null;
  };
  return call;
}
