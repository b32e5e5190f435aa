import { createTheme } from '@mantine/core';

export const theme = createTheme({
  primaryColor: 'indigo',
  defaultRadius: 'md',
  fontFamily:
    'Inter, system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif',
  fontFamilyMonospace: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
  headings: { fontWeight: '650' },
  components: {
    Table: { defaultProps: { verticalSpacing: 'xs', horizontalSpacing: 'sm' } },
    Card: { defaultProps: { withBorder: true, padding: 'lg', radius: 'md' } },
    // Wide tables scroll sideways inside their card; keep the scrollbar visible (not only on
    // hover) so a narrow screen shows that there is more to the right.
    TableScrollContainer: { defaultProps: { scrollAreaProps: { type: 'auto' } } },
  },
});
