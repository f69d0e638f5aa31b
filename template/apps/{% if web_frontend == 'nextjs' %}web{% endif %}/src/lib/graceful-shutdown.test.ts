import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { installShutdownHandlers, type SignalTarget } from './graceful-shutdown';
import { isShuttingDown, resetShutdownState } from './shutdown-state';

class FakeProcess extends EventEmitter implements SignalTarget {
  exits: number[] = [];

  exit(code: number): never {
    this.exits.push(code);
    return undefined as never;
  }
}

describe('installShutdownHandlers', () => {
  let target: FakeProcess;
  const log = vi.fn<(message: string) => void>();

  beforeEach(() => {
    vi.useFakeTimers();
    resetShutdownState();
    target = new FakeProcess();
  });

  afterEach(() => {
    vi.useRealTimers();
    resetShutdownState();
    log.mockReset();
  });

  it('turns readiness off at once and exits 0 after the delay', () => {
    installShutdownHandlers({ delayMs: 5000, target, log });
    expect(isShuttingDown()).toBe(false);

    target.emit('SIGTERM', 'SIGTERM');
    expect(isShuttingDown()).toBe(true);
    vi.advanceTimersByTime(4999);
    expect(target.exits).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(target.exits).toEqual([0]);
    expect(log).toHaveBeenCalledWith(expect.stringContaining('SIGTERM received'));
  });

  it('handles SIGINT the same way', () => {
    installShutdownHandlers({ delayMs: 0, target, log });
    target.emit('SIGINT', 'SIGINT');
    expect(isShuttingDown()).toBe(true);
    vi.runAllTimers();
    expect(target.exits).toEqual([0]);
  });

  it('exits at once on a second signal', () => {
    installShutdownHandlers({ delayMs: 5000, target, log });
    target.emit('SIGTERM', 'SIGTERM');
    target.emit('SIGINT', 'SIGINT');
    expect(target.exits).toEqual([0]);
  });

  it('runs the last work after the delay, then exits 0', async () => {
    let finish = (): void => undefined;
    const beforeExit = vi.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    installShutdownHandlers({ delayMs: 1000, target, log, beforeExit });
    target.emit('SIGTERM', 'SIGTERM');
    vi.advanceTimersByTime(999);
    expect(beforeExit).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(beforeExit).toHaveBeenCalledOnce();
    await vi.runAllTimersAsync();
    expect(target.exits).toEqual([]); // still sending
    finish();
    await vi.runAllTimersAsync();
    expect(target.exits).toEqual([0]);
  });

  it('exits 0 when the last work fails, saying why', async () => {
    const beforeExit = () => Promise.reject(new Error('collector unreachable'));
    installShutdownHandlers({ delayMs: 0, target, log, beforeExit });
    target.emit('SIGTERM', 'SIGTERM');
    await vi.runAllTimersAsync();
    expect(target.exits).toEqual([0]);
    expect(log).toHaveBeenCalledWith(expect.stringContaining('collector unreachable'));
  });

  it('installs its handlers once per process', () => {
    expect(installShutdownHandlers({ delayMs: 0, target, log })).toBe(true);
    expect(installShutdownHandlers({ delayMs: 0, target, log })).toBe(false);
    expect(target.listenerCount('SIGTERM')).toBe(1);
  });
});
