import { Box, Text } from 'ink';

/** The `?` overlay. */
export function KeyHelp({ open, canStop }: { open: boolean; canStop: boolean }) {
  if (!open) return <Text dimColor>{canStop ? 'q stop · ' : ''}? keys</Text>;
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1}>
      <Text bold>keys</Text>
      <Text>q        stop gracefully (the running trial is recorded as interrupted, re-run on resume)</Text>
      <Text>Ctrl+C   same as q; press again to quit at once</Text>
      <Text>?        show or hide this help</Text>
    </Box>
  );
}
