import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * The WebApp is built into web/dist and served by bella-server at `/` (src/http/web-static.ts).
 * In development, `vite web` proxies /api to a running server so the app is same-origin either way.
 */
const apiTarget = `http://127.0.0.1:${process.env.BELLA_PORT ?? '8080'}`;

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
  },
  server: {
    proxy: { '/api': { target: apiTarget, changeOrigin: false } },
  },
});
