import { contextBridge, ipcRenderer } from 'electron';

/** The one object the renderer sees: a typed call into the services, nothing else. */
contextBridge.exposeInMainWorld('desk', {
  call: (method: string, input: unknown, token: string | null) => ipcRenderer.invoke('desk:call', String(method), input, token),
  upload: (bytes: ArrayBuffer, token: string | null) => ipcRenderer.invoke('desk:upload', bytes, token),
});
