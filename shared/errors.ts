/** An input the desk cannot accept. `message` is Chinese and names the field; `path` says where. */
export class InputError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly path: string = '',
  ) {
    super(message);
    this.name = 'InputError';
  }

  toJSON(): { error: string; message: string; path: string } {
    return { error: this.code, message: this.message, path: this.path };
  }
}
