// One call a panel runs on the admin's request (Run the checks, Preview): idle, running, its answer or
// its error, so the panel shows one of them.
import { useCallback, useState } from 'preact/hooks';

export type Run<T> =
  { state: 'idle' } | { state: 'running' } | { state: 'done'; value: T } | { state: 'error'; error: unknown };

export function useRun<T>(): [Run<T>, (work: Promise<T>) => void] {
  const [run, setRun] = useState<Run<T>>({ state: 'idle' });
  const start = useCallback((work: Promise<T>): void => {
    setRun({ state: 'running' });
    work.then(
      (value) => setRun({ state: 'done', value }),
      (error: unknown) => setRun({ state: 'error', error }),
    );
  }, []);
  return [run, start];
}
