/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The Rust server serves web/dist at "/", so relative asset paths are fine.
// `npm run dev` proxies the API and the live WebSocket to a running server. The proxy speaks for the page as
// the server's own origin (the server refuses WebSocket upgrades and writes from other origins).
const target = process.env.RACECRAFT_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  base: './',
  plugins: [svelte()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 800,
  },
  server: {
    proxy: {
      '/api': { target, changeOrigin: true, headers: { origin: target } },
      '/ws': { target, ws: true, changeOrigin: true, headers: { origin: target } },
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
