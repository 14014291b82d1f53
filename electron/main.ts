import { app, BrowserWindow, dialog, ipcMain, Menu, safeStorage, session, shell } from 'electron';
import { join } from 'node:path';
import { knownMigrations } from '../db/migrate.ts';
import { Desk } from './services/desk.ts';
import { dispatch } from './services/dispatch.ts';
import { ServiceError } from './services/errors.ts';
import { CSP } from './host/server.ts';
import type { SecretBox } from './agency/secrets.ts';
import { officeTargetFromEnv } from './services/officeStore/config.ts';
import { hostname } from 'node:os';

/**
 * The Electron shell stays thin: one window, Chinese menus, locked-down web preferences, and
 * one IPC channel into the same dispatch the local host uses (which validates every input).
 */
let desk: Desk | undefined;

/**
 * Electron safeStorage as the desk's SecretBox (Windows DPAPI, macOS Keychain, the Linux keyring).
 * Linux without a keyring falls back to a fixed built-in key ('basic_text'), which protects
 * nothing: then there is no box, and the connection screen says the secrets are kept in clear.
 */
function secretBox(): SecretBox | null {
  if (!safeStorage.isEncryptionAvailable()) return null;
  let kind: string;
  if (process.platform === 'win32') kind = 'Windows DPAPI（safeStorage）';
  else if (process.platform === 'darwin') kind = 'macOS 钥匙串（safeStorage）';
  else {
    const backend = safeStorage.getSelectedStorageBackend();
    if (backend === 'basic_text' || backend === 'unknown') return null;
    kind = `系统密钥环 ${backend}（safeStorage）`;
  }
  return { kind, encrypt: (plain) => safeStorage.encryptString(plain), decrypt: (cipher) => safeStorage.decryptString(cipher) };
}

async function createWindow(): Promise<void> {
  // Paths come from the app root, not from the bundle's own location.
  const appRoot = app.getAppPath();
  desk = await Desk.openOrRecover({
    dataDir: join(app.getPath('userData'), 'data'),
    demo: process.env.YIDI_DEMO === '1',
    demoHistory: process.env.YIDI_DEMO === '1',
    migrations: knownMigrations(join(appRoot, 'db', 'migrations')),
    // The agency secrets are encrypted at rest where the system offers it (docs/agency.md); else the screen says they are not.
    secretBox: secretBox(),
    // Office mode when IT set YIDI_DB_URL (docs/office.md).
    office: officeTargetFromEnv(process.env, `yidi-desk ${hostname()}`),
  });
  desk.startBackground(15_000);

  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));

  const win = new BrowserWindow({
    width: 1366,
    height: 860,
    title: '异地就医直接结算',
    webPreferences: {
      preload: join(appRoot, 'dist-electron', 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
      // Chromium's built-in PDF viewer, for the forms the desk prints (pledge, outside-exam slip, slip)
      // shown from blob: frames (CSP frame-src blob:); no other plugin exists in Electron.
      plugins: true,
    },
  });
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  win.webContents.on('will-navigate', (e) => e.preventDefault());

  ipcMain.handle('desk:call', async (_event, method: unknown, input: unknown, token: unknown) => {
    if (typeof method !== 'string' || (token !== null && typeof token !== 'string')) {
      return { ok: false, error: { code: 'INVALID_INPUT', message: '无效的调用', path: '' } };
    }
    return dispatch(desk!, method, input, token ?? undefined);
  });
  // The Electron side of POST /upload (issue 21 point 5): the bytes of a large file, kept on disk under an id.
  ipcMain.handle('desk:upload', async (_event, bytes: unknown, token: unknown) => {
    const session = typeof token === 'string' ? desk!.sessions.touch(token) : undefined;
    if (!session) return { ok: false, error: { code: 'UNAUTHENTICATED', message: '请先登录', path: '' } };
    if (!(bytes instanceof ArrayBuffer) && !(bytes instanceof Uint8Array)) return { ok: false, error: { code: 'INVALID_INPUT', message: '无效的文件内容', path: 'file' } };
    try {
      return { ok: true, result: await desk!.uploads.receive([Buffer.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes))], session.clerkId) };
    } catch (e) {
      if (e instanceof ServiceError) return { ok: false, error: e.toApi() };
      throw e;
    }
  });

  Menu.setApplicationMenu(
    Menu.buildFromTemplate([
      { label: '文件', submenu: [{ label: '打印…', accelerator: 'CmdOrCtrl+P', click: () => win.webContents.print({ silent: false, printBackground: true, pageSize: 'A4' }) }, { type: 'separator' }, { label: '退出', role: 'quit' }] },
      { label: '视图', submenu: [{ label: '重新加载', role: 'reload' }, { label: '实际大小', role: 'resetZoom' }, { label: '放大', role: 'zoomIn' }, { label: '缩小', role: 'zoomOut' }] },
      { label: '帮助', submenu: [{ label: '关于', click: () => void dialog.showMessageBox(win, { title: '关于', message: '异地就医直接结算 医保办经办台' }) }] },
    ]),
  );

  await win.loadFile(join(appRoot, 'renderer', 'dist', 'index.html'));
}

app.on('web-contents-created', (_e, contents) => {
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
});

app.whenReady().then(createWindow).catch((e: unknown) => {
  dialog.showErrorBox('启动失败', (e as Error).message);
  app.quit();
});

// Graceful shutdown: let a backup in progress finish, then close the database.
let quitting = false;
app.on('before-quit', (e) => {
  if (quitting || !desk) return;
  e.preventDefault();
  quitting = true;
  void desk.shutdown().finally(() => app.quit());
});
app.on('window-all-closed', () => app.quit());
