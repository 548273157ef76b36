import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** The web UI, built into ui/dist, which the event-center service serves at /. */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
    reportCompressedSize: false,
    sourcemap: false,
  },
  server: {
    // `npm run dev:ui -w @k2/event-center` against a running `k2 event-center` on :8080.
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
});
