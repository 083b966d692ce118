/**
 * Whether the operator's Linux session is Wayland, and the refusal the display lister gives
 * there. ffmpeg records Linux screens with x11grab only; on a Wayland session an X display
 * (XWayland) usually exists too, but it holds only the X clients' windows, so recording it
 * would give black screens with a few windows on them — worse than an error, because it looks
 * like it works. The caller passes XDG_SESSION_TYPE and WAYLAND_DISPLAY; nothing here reads the
 * environment.
 */
import { DisplaysUnavailable } from "./displays_model.ts";

export interface SessionKind {
  /** XDG_SESSION_TYPE: "x11", "wayland", "tty", ...; absent when unknown. */
  readonly sessionType?: string | undefined;
  /** WAYLAND_DISPLAY, e.g. "wayland-0"; absent outside a Wayland session. */
  readonly waylandDisplay?: string | undefined;
}

/**
 * XDG_SESSION_TYPE decides when it names a graphical session type; otherwise a WAYLAND_DISPLAY
 * means Wayland (some launchers drop XDG_SESSION_TYPE but keep WAYLAND_DISPLAY). An explicit
 * "x11" wins over a stray WAYLAND_DISPLAY, e.g. one inherited from a nested compositor.
 */
export function isWaylandSession(session: SessionKind): boolean {
  const type = session.sessionType?.trim().toLowerCase() ?? "";
  if (type === "wayland") return true;
  if (type === "x11") return false;
  return (session.waylandDisplay?.trim() ?? "") !== "";
}

/** Not retryable: the session type only changes when the operator logs in again. */
export function waylandUnsupported(session: SessionKind): DisplaysUnavailable {
  const seen = session.sessionType?.trim()
    ? `XDG_SESSION_TYPE=${session.sessionType.trim()}`
    : `WAYLAND_DISPLAY=${session.waylandDisplay?.trim() ?? ""}`;
  return new DisplaysUnavailable(
    `screen capture is not supported on a Wayland session (${seen}): ffmpeg records X11 ` +
      "screens only, and through XWayland it would record black screens. To fix it, log out " +
      'and choose an X11/Xorg session on the login screen (e.g. "GNOME on Xorg" or ' +
      '"Ubuntu on Xorg"), or have the administrator disable Wayland for the login manager ' +
      "(GDM: WaylandEnable=false in /etc/gdm3/custom.conf)",
    false,
  );
}
