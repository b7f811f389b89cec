//! What each accepted connection runs: the turn route (`POST /v1/conversations/{id}/input`,
//! nearly every request a running server sees) goes straight to its handler behind the same
//! guard; every other request goes through the router.
//!
//! Through the router a turn paid ~8,000 instructions before its handler ran — the route
//! table, the `{id}` parameter made into an extension, and two route layers that each
//! cloned a boxed service and boxed a future — about a quarter of the server's own work per
//! turn (bench/README.md, issue 9 session 13). Only paths the router would give the same
//! `{id}` take the short way: a segment with a `%` (which the router percent-decodes), an
//! empty one or any other method go through the router, so every answer is the router's.

use crate::guard;
use crate::http::{self, AppState, Peer};
use axum::Router;
use axum::extract::{ConnectInfo, Request};
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use axum::routing::future::RouteFuture;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// Given to `axum::serve`: makes each connection's [`Api`] with its [`Peer`] (what the
/// router's `into_make_service_with_connect_info` did).
#[derive(Clone)]
pub struct MakeApi {
    router: Router,
    state: Arc<AppState>,
}

impl MakeApi {
    pub fn new(state: Arc<AppState>) -> MakeApi {
        MakeApi {
            router: http::router(state.clone()),
            state,
        }
    }
}

impl<'a, L> tower::Service<axum::serve::IncomingStream<'a, L>> for MakeApi
where
    L: axum::serve::Listener<Addr = std::net::SocketAddr>,
{
    type Response = Api;
    type Error = Infallible;
    type Future = std::future::Ready<Result<Api, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, stream: axum::serve::IncomingStream<'a, L>) -> Self::Future {
        std::future::ready(Ok(Api {
            router: self.router.clone(),
            state: self.state.clone(),
            peer: Peer(stream.remote_addr().ip().to_string().into()),
        }))
    }
}

/// One connection's service.
#[derive(Clone)]
pub struct Api {
    router: Router,
    state: Arc<AppState>,
    peer: Peer,
}

/// The `{id}` of a turn request the router would route to the input handler with the same
/// id, else `None` (the router answers).
fn turn_id(request: &Request) -> Option<&str> {
    if request.method() != Method::POST {
        return None;
    }
    let id = request
        .uri()
        .path()
        .strip_prefix("/v1/conversations/")?
        .strip_suffix("/input")?;
    (!id.is_empty() && !id.contains(['/', '%'])).then_some(id)
}

type Turn = Pin<Box<dyn Future<Output = Response> + Send>>;

/// A turn as the guarded route ran it: refused (token, rate), or the handler under the
/// request time-out. (Its `content-length` is written by hyper from the body's length, where
/// the router's route sets the header first: the same bytes on the wire, without a header
/// value made per turn.)
async fn turn(state: Arc<AppState>, peer: Peer, id: String, request: Request) -> Response {
    let client = http::caller_from(&state, &request, Some(&peer.0));
    if let Some(refused) = guard::refusal_of(&state, client) {
        return refused;
    }
    let limit = guard::time_limit(&state);
    match tokio::time::timeout(limit, http::turn_input(&state, id, request)).await {
        Ok(answer) => answer.into_response(),
        Err(_) => guard::timed_out(limit),
    }
}

impl tower::Service<Request> for Api {
    type Response = Response;
    type Error = Infallible;
    type Future = ApiFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        tower::Service::<Request>::poll_ready(&mut self.router, cx)
    }

    fn call(&mut self, mut request: Request) -> ApiFuture {
        if let Some(id) = turn_id(&request).map(str::to_string) {
            // The peer is handed over as it is, not as a request extension (an allocation
            // per turn): nothing on the turn's way reads it from there.
            return ApiFuture::Turn {
                future: Box::pin(turn(self.state.clone(), self.peer.clone(), id, request)),
            };
        }
        request
            .extensions_mut()
            .insert(ConnectInfo(self.peer.clone()));
        ApiFuture::Routed {
            future: self.router.call(request),
        }
    }
}

pin_project_lite::pin_project! {
    /// A turn's future, or the router's for any other request.
    #[project = ApiProjection]
    pub enum ApiFuture {
        Turn { future: Turn },
        Routed {
            #[pin]
            future: RouteFuture<Infallible>,
        },
    }
}

impl Future for ApiFuture {
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            ApiProjection::Turn { future } => future.as_mut().poll(cx).map(Ok),
            ApiProjection::Routed { future } => future.poll(cx),
        }
    }
}

#[cfg(test)]
#[path = "connection_tests.rs"]
mod tests;
