import { useEffect, useRef, useState } from 'react';
import { useStdout } from 'ink';

/** Erase screen and scrollback, cursor home (what ansi-escapes' clearTerminal writes outside old Windows). */
const CLEAR_TERMINAL = '\u001b[2J\u001b[3J\u001b[H';

/**
 * The terminal width, and a `generation` that changes after each resize settles. Terminals
 * re-wrap the previous frame when the width changes, so ink's erase-the-last-N-lines leaves
 * fragments behind; once resizing stops we clear the screen and the caller remounts
 * `<Static>` with `generation` as its key, which prints the whole history again at the new
 * width (the approach of gemini-cli's refreshStatic).
 */
export function useTerminalSize(settleMs = 120, fallback = 80): { width: number; generation: number } {
  const { stdout } = useStdout();
  const [width, setWidth] = useState(stdout.columns || fallback);
  const [generation, setGeneration] = useState(0);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => {
    const onResize = () => {
      setWidth(stdout.columns || fallback);
      if (timer.current) clearTimeout(timer.current);
      timer.current = setTimeout(() => {
        timer.current = undefined;
        stdout.write(CLEAR_TERMINAL);
        setGeneration((g) => g + 1);
      }, settleMs);
    };
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
      if (timer.current) clearTimeout(timer.current);
    };
  }, [stdout, fallback, settleMs]);
  return { width, generation };
}
