/**
 * Messages every workbench webview page may send besides its own: the boot script's error reports and the error
 * page's Reload. Typed here so the panels' message switches stay exhaustive.
 */
export type WebviewLifecycleMessage =
  /** A script or resource failed in the page (window 'error', a CSP violation): `message` names file, line and what. */
  | { readonly type: 'webview/error'; readonly message: string }
  /** The user asked to rebuild the page (Reload on the error page or the error notice). */
  | { readonly type: 'webview/reload' };

/** True for the lifecycle messages (the panels hand them to their recovery before their own switch). */
export function isLifecycleMessage(m: { readonly type: string }): m is WebviewLifecycleMessage {
  return m.type === 'webview/error' || m.type === 'webview/reload';
}
