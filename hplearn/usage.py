"""Usage signals: features say what a person did; usage statistics (hplearn.stats) listen.

The core's side of the statistics recorder. A feature sends one of these signals where the
thing happens and knows nothing of who counts it; the stats feature connects its receivers in
its init_app. With nobody listening (a test app without statistics), a send does nothing.

- `signed_in`: sender the User who just signed in (the page or the API).
- `resource_viewed`: sender the Resource; keyword `user` (the viewer, or an anonymous user).
- `video_watched`: sender the Resource whose video played; keywords `seconds`, `user`.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

signed_in = _signals.signal("usage.signed-in")
resource_viewed = _signals.signal("usage.resource-viewed")
video_watched = _signals.signal("usage.video-watched")
