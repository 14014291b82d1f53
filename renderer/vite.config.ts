import { defineConfig, searchForWorkspaceRoot } from 'vite';
import react from '@vitejs/plugin-react';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));
/** The print font's folder, whose Noto Sans Hans the screens use for rare characters (rareFonts.css, issue 17); node_modules may be a symlink. */
const notoDir = realpathSync(fileURLToPath(new URL('../node_modules/@embedpdf/fonts-sc/fonts', import.meta.url)));

export default defineConfig({
  root,
  base: './',
  plugins: [react()],
  // The font files (fonts/, the Noto folder) lie outside renderer/: the dev server may serve them.
  server: { fs: { allow: [searchForWorkspaceRoot(root), notoDir] } },
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1500 },
});
