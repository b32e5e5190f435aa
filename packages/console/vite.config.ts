import react from '@vitejs/plugin-react';
import postcssPresetMantine from 'postcss-preset-mantine';
import { defineConfig } from 'vite';

// The console is a static SPA served by the Kyoka server at `/` (unknown non-API paths fall
// back to index.html). ECharts is split into its own chunk through a dynamic import.
export default defineConfig({
  base: '/',
  plugins: [react()],
  css: { postcss: { plugins: [postcssPresetMantine()] } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 700,
  },
  server: {
    // `npm run dev -w @kyoka/console` against a running server: KYOKA_URL=http://127.0.0.1:PORT
    proxy: process.env.KYOKA_URL ? { '/api': { target: process.env.KYOKA_URL, changeOrigin: false } } : undefined,
  },
});
