import { Box, Text } from 'ink';

/** The `?` overlay. */
export function KeyHelp({ open, canStop, watching = false }: { open: boolean; canStop: boolean; watching?: boolean }) {
  if (!open) return <Text dimColor>{canStop ? (watching ? 'q quit · ' : 'q stop · ') : ''}? keys</Text>;
  if (watching) {
    return (
      <Box flexDirection="column" borderStyle="round" paddingX={1}>
        <Text bold>keys</Text>
        <Text>q        quit watching (the search goes on; `sparsenas watch` only reads the store)</Text>
        <Text>Ctrl+C   same as q</Text>
        <Text>?        show or hide this help</Text>
      </Box>
    );
  }
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1}>
      <Text bold>keys</Text>
      <Text>q        stop gracefully (the running trial is recorded as interrupted, re-run on resume)</Text>
      <Text>Ctrl+C   same as q; press again to quit at once</Text>
      <Text>?        show or hide this help</Text>
    </Box>
  );
}
