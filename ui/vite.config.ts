import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

export default defineConfig({
  plugins: [svelte()],
  // Tauri serves the built files; relative paths keep them loadable there.
  base: './',
  clearScreen: false,
  build: { outDir: 'dist', emptyOutDir: true, target: 'safari15' },
  test: { include: ['src/**/*.test.ts'] },
});
