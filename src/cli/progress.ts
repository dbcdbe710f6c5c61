/**
 * Progress of an awaited transaction, always on stderr so stdout stays the command's result
 * (an id, or JSON with --output json). On a terminal it is one spinner line rewritten in place and
 * erased when done; otherwise (pipes, CI logs, tests) each phase is one plain line, so a log shows
 * what was being waited for when something hung.
 */
import type { TxPhase } from '../chain/writer.ts';

const WORDS: Record<TxPhase, string> = {
  building: 'resolving and dry-running the transaction',
  signing: 'signing',
  executing: 'submitting the transaction',
  confirming: 'waiting for confirmation',
  done: 'confirmed',
};

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface Progress {
  /** Feed to ChainWriterOptions.onProgress. */
  update(phase: TxPhase, detail: { action: string; digest?: string }): void;
  /** Ends the display (erases the spinner); call on success and on failure. */
  stop(): void;
}

export function createProgress(stream: ProgressStream = process.stderr): Progress {
  return stream.isTTY ? spinner(stream) : lines(stream);
}

function describe(phase: TxPhase, detail: { action: string; digest?: string }): string {
  return `${detail.action}: ${WORDS[phase]}${detail.digest ? ` (${detail.digest})` : ''}`;
}

function lines(stream: ProgressStream): Progress {
  return {
    update: (phase, detail) => void stream.write(`… ${describe(phase, detail)}\n`),
    stop: () => {},
  };
}

function spinner(stream: ProgressStream): Progress {
  let text = '';
  let frame = 0;
  let timer: NodeJS.Timeout | null = null;
  const draw = () => stream.write(`\r\x1b[2K${FRAMES[frame++ % FRAMES.length]} ${text}`);
  return {
    update(phase, detail) {
      text = describe(phase, detail);
      if (phase === 'done') return this.stop();
      if (!timer) {
        timer = setInterval(draw, 80);
        timer.unref();
      }
      draw();
    },
    stop() {
      if (timer) clearInterval(timer);
      if (timer || text) stream.write('\r\x1b[2K');
      timer = null;
      text = '';
    },
  };
}
