//! Just enough X11 to act like a window manager's close button: find the
//! app's top-level window and send it `WM_DELETE_WINDOW`, a real close request
//! (destroying the window instead would crash GTK, which is not what a user does);
//! and to paste: read the clipboard as another program would.

use anyhow::{bail, Context};
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{
    AtomEnum, ClientMessageEvent, ConnectionExt, CreateWindowAux, EventMask, MapState, Window,
    WindowClass,
};
use x11rb::protocol::Event;
use x11rb::rust_connection::RustConnection;

pub struct Display {
    conn: RustConnection,
    root: Window,
}

impl Display {
    pub fn open() -> anyhow::Result<Display> {
        let (conn, screen) = x11rb::connect(None).context("cannot connect to the X display")?;
        let root = conn.setup().roots[screen].root;
        Ok(Display { conn, root })
    }

    /// The viewable top-level window whose title is `title`.
    pub fn find_window(&self, title: &str) -> anyhow::Result<Window> {
        for w in self.conn.query_tree(self.root)?.reply()?.children {
            if self.title(w)? == title && self.is_viewable(w)? {
                return Ok(w);
            }
        }
        bail!("no viewable window titled {title:?}")
    }

    pub fn is_viewable(&self, w: Window) -> anyhow::Result<bool> {
        Ok(self.conn.get_window_attributes(w)?.reply()?.map_state == MapState::VIEWABLE)
    }

    fn title(&self, w: Window) -> anyhow::Result<String> {
        let reply = self
            .conn
            .get_property(false, w, AtomEnum::WM_NAME, AtomEnum::ANY, 0, 256)?
            .reply()?;
        Ok(String::from_utf8_lossy(&reply.value).into_owned())
    }

    /// Waits up to 10 s for `w` to be shown (`true`) or hidden (`false`).
    pub async fn wait_viewable(&self, w: Window, viewable: bool) -> anyhow::Result<()> {
        let started = std::time::Instant::now();
        while self.is_viewable(w)? != viewable {
            if started.elapsed() > std::time::Duration::from_secs(10) {
                bail!(
                    "the window is still {} 10 s later",
                    if viewable { "hidden" } else { "shown" }
                );
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        Ok(())
    }

    pub fn request_close(&self, w: Window) -> anyhow::Result<()> {
        let protocols = self.conn.intern_atom(false, b"WM_PROTOCOLS")?.reply()?.atom;
        let delete = self
            .conn
            .intern_atom(false, b"WM_DELETE_WINDOW")?
            .reply()?
            .atom;
        let event =
            ClientMessageEvent::new(32, w, protocols, [delete, x11rb::CURRENT_TIME, 0, 0, 0]);
        self.conn.send_event(false, w, EventMask::NO_EVENT, event)?;
        self.conn.flush()?;
        Ok(())
    }

    /// The text on the clipboard (the CLIPBOARD selection as UTF-8), asked
    /// of its owner the way a paste asks.
    pub fn clipboard_text(&self) -> anyhow::Result<String> {
        let atom = |name: &[u8]| -> anyhow::Result<u32> {
            Ok(self.conn.intern_atom(false, name)?.reply()?.atom)
        };
        let (clipboard, utf8, into) = (
            atom(b"CLIPBOARD")?,
            atom(b"UTF8_STRING")?,
            atom(b"ROLLWRIGHT_PASTE")?,
        );
        let me = self.conn.generate_id()?;
        self.conn.create_window(
            0,
            me,
            self.root,
            0,
            0,
            1,
            1,
            0,
            WindowClass::INPUT_ONLY,
            0,
            &CreateWindowAux::new(),
        )?;
        self.conn
            .convert_selection(me, clipboard, utf8, into, x11rb::CURRENT_TIME)?;
        self.conn.flush()?;
        let started = std::time::Instant::now();
        loop {
            match self.conn.poll_for_event()? {
                Some(Event::SelectionNotify(e)) if e.requestor == me => {
                    if e.property == x11rb::NONE {
                        bail!("the clipboard holds no text");
                    }
                    let reply = self
                        .conn
                        .get_property(true, me, into, AtomEnum::ANY, 0, u32::MAX / 4)?
                        .reply()?;
                    self.conn.destroy_window(me)?;
                    return Ok(String::from_utf8_lossy(&reply.value).into_owned());
                }
                Some(_) => {}
                None if started.elapsed() > std::time::Duration::from_secs(5) => {
                    bail!("no answer from the clipboard's owner within 5 s")
                }
                None => std::thread::sleep(std::time::Duration::from_millis(20)),
            }
        }
    }
}
