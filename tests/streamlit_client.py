"""A headless client of Streamlit's own websocket protocol, for load benchmarks and for tests
that send what no page would (hand-forged widget values).

It speaks to ``/_stcore/stream`` as the browser does: binary protobuf frames, ``BackMsg`` up and
``ForwardMsg`` down. The handshake, read from the installed streamlit package
(``web/server/starlette/starlette_websocket.py`` and ``runtime/app_session.py``):

* The ``Sec-WebSocket-Protocol`` header carries ``streamlit`` first; its second entry (an XSRF
  token) and third (a session id to resume) are optional and left out here, so every
  connection is a fresh session; it is signed in only through the cookies it is given.
* The server starts no script run on connect: the client asks for each run with a
  ``BackMsg.rerun_script`` holding a ``ClientState`` (query string, widget values, browser
  context). Widgets the client leaves out keep their previous value on the server.
* A run is answered by ``new_session``, then ``delta`` messages (one per element, in script
  order), and ends with ``script_finished``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

FINISHED = {
    ForwardMsg.FINISHED_SUCCESSFULLY: "finished",
    ForwardMsg.FINISHED_WITH_COMPILE_ERROR: "compile-error",
    ForwardMsg.FINISHED_EARLY_FOR_RERUN: "interrupted",
}


class ProtocolError(RuntimeError):
    """The server answered something this client does not expect."""


@dataclass
class RunResult:
    """One script run as this client saw it; times are seconds since the request was sent.

    ``marked`` is the time the first element matching the run's ``mark`` arrived (None when
    none did), ``finished`` the time of ``script_finished``.
    """

    elements: list[Element] = field(default_factory=list)
    marked: float | None = None
    finished: float = 0.0
    status: str = ""
    exceptions: list[str] = field(default_factory=list)

    def widgets(self, kind: str) -> Iterator[Element]:
        """Yield the elements of one widget kind (``"multiselect"``, ``"radio"``, ...)."""
        return (e for e in self.elements if e.WhichOneof("type") == kind)


def string_array_state(widget_id: str, values: Sequence[str]) -> WidgetState:
    """The state of a multiselect-like widget: its values as the options' display strings."""
    state = WidgetState(id=widget_id)
    state.string_array_value.data.extend(values)
    return state


def is_component(element: Element, name_suffix: str) -> bool:
    """Whether ``element`` is a custom component whose name ends with ``name_suffix``."""
    return element.WhichOneof("type") == "component_instance" and (
        element.component_instance.component_name.endswith(name_suffix)
    )


class StreamlitSession:
    """One browser-less session of a running Streamlit app on this machine.

    Parameters
    ----------
    base_url
        ``http://127.0.0.1:PORT``; other hosts are refused, the benchmark stays local.
    timeout
        Seconds allowed for connecting and for each received message.
    cookies
        Sent with the websocket handshake, as a browser sends its cookies (a sign-in).
    query
        The page's query string, without ``?`` (``"selected=rafah-crossing"``).
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 30.0,
        cookies: dict[str, str] | None = None,
        query: str = "",
    ) -> None:
        if not base_url.startswith("http://127.0.0.1:"):
            raise ValueError(f"only a local app is driven, not {base_url!r}")
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout
        self._cookies = cookies or {}
        self._query = query
        self._socket: websockets.ClientConnection | None = None

    async def __aenter__(self) -> Self:
        self._socket = await websockets.connect(
            self._base_url.replace("http://", "ws://", 1) + "/_stcore/stream",
            subprotocols=[websockets.Subprotocol("streamlit")],
            origin=websockets.Origin(self._base_url),
            max_size=None,  # a folium map element is several hundred kB
            additional_headers=(
                {"Cookie": "; ".join(f"{k}={v}" for k, v in self._cookies.items())}
                if self._cookies
                else None
            ),
            open_timeout=self._timeout,
            close_timeout=2,
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._socket is not None:
            await self._socket.close()

    async def run(
        self,
        widgets: Iterable[WidgetState] = (),
        *,
        mark: str | None = None,
        timeout: float | None = None,
    ) -> RunResult:
        """Request a script run with these widget values and read it to ``script_finished``.

        Parameters
        ----------
        widgets
            Widget states to send; any widget left out keeps its value on the server.
        mark
            Name suffix of a custom component whose arrival is timed as ``marked``.
        timeout
            Seconds allowed for the whole run (default: the session's timeout).
        """
        socket = self._connected()
        message = BackMsg()
        state = message.rerun_script
        state.widget_states.widgets.extend(widgets)
        state.query_string = self._query
        state.context_info.url = self._base_url + "/" + (f"?{self._query}" if self._query else "")
        state.context_info.timezone = "UTC"
        state.context_info.locale = "en-US"
        started = time.perf_counter()
        await socket.send(message.SerializeToString())
        async with asyncio.timeout(timeout or self._timeout):
            return await self._read_run(socket, started, mark)

    async def _read_run(
        self, socket: websockets.ClientConnection, started: float, mark: str | None
    ) -> RunResult:
        result, begun = RunResult(), False
        while True:
            raw = await socket.recv(decode=False)
            now = time.perf_counter() - started
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "new_session":
                begun = True
            elif kind == "delta" and begun and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                result.elements.append(element)
                if element.WhichOneof("type") == "exception":
                    result.exceptions.append(element.exception.message)
                if mark and result.marked is None and is_component(element, mark):
                    result.marked = now
            elif kind == "script_finished" and begun:
                result.finished = now
                result.status = FINISHED.get(msg.script_finished, str(msg.script_finished))
                return result
            elif kind == "ref_hash":
                raise ProtocolError("server sent a cached-message reference; none was offered")

    def _connected(self) -> websockets.ClientConnection:
        if self._socket is None:
            raise ProtocolError("session used outside 'async with'")
        return self._socket
