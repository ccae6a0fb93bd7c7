import { useEffect, useState } from 'react';
import { useStdout } from 'ink';

/**
 * The terminal's width, updated on resize so bars, sparklines and truncation follow it.
 * (ink redraws on resize itself; this makes our own width-dependent text follow.)
 */
export function useTerminalWidth(fallback = 80): number {
  const { stdout } = useStdout();
  const [width, setWidth] = useState(stdout.columns || fallback);
  useEffect(() => {
    const onResize = () => setWidth(stdout.columns || fallback);
    stdout.on('resize', onResize);
    return () => { stdout.off('resize', onResize); };
  }, [stdout, fallback]);
  return width;
}
