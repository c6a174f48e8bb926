// All user- and server-supplied strings reach the DOM through textContent or
// attribute setters only, so names and message bodies can never become markup.

export interface ElOptions {
  className?: string;
  testId?: string;
  text?: string;
  /** Text that may be Cyrillic, Latin or Perso-Arabic: let the browser pick direction. */
  autoDir?: boolean;
  attrs?: Record<string, string>;
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  options: ElOptions = {},
  children: ReadonlyArray<Node | null | undefined> = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (options.className) node.className = options.className;
  if (options.testId) node.dataset.testid = options.testId;
  if (options.text !== undefined) node.textContent = options.text;
  if (options.autoDir) node.dir = 'auto';
  if (options.attrs) {
    for (const [name, value] of Object.entries(options.attrs)) node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child) node.append(child);
  }
  return node;
}

export function button(
  label: string,
  onClick: (event: MouseEvent) => void,
  options: ElOptions = {},
): HTMLButtonElement {
  const node = el('button', { ...options, text: label });
  node.type = 'button';
  node.addEventListener('click', onClick);
  return node;
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
