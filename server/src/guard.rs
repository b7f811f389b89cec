//! The guard of every `/v1` route: the bearer token, the client's request rate, the request
//! time-out. A tower layer of our own rather than axum's `from_fn`, which cloned the inner
//! route and boxed a future around it for every request; this one checks in `call` and
//! wraps the route's own future (bench/README.md, issue 9 session 12).

use crate::error::ApiError;
use crate::http::{AppState, caller};
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

#[derive(Clone)]
pub struct GuardLayer(pub Arc<AppState>);

impl<S> tower::Layer<S> for GuardLayer {
    type Service = Guard<S>;

    fn layer(&self, inner: S) -> Guard<S> {
        Guard {
            inner,
            state: self.0.clone(),
        }
    }
}

#[derive(Clone)]
pub struct Guard<S> {
    inner: S,
    state: Arc<AppState>,
}

/// The token and the rate: the answer to send instead of running the route, if any.
pub(crate) fn refusal(state: &AppState, request: &Request) -> Option<Response> {
    refusal_of(state, caller(state, request))
}

/// [`refusal`] of a request from `client` (`None`: no valid token).
pub(crate) fn refusal_of(state: &AppState, client: Option<Arc<str>>) -> Option<Response> {
    let Some(client) = client else {
        return Some(ApiError::unauthorized().into_response());
    };
    let not_until = state.limiter.check_key(&client).err()?;
    let wait = not_until.wait_time_from(DefaultClock::default().now());
    Some(
        ApiError::too_many(
            "rate_limited",
            "too many requests from this client; slow down",
            wait.as_secs_f64().ceil() as u64,
        )
        .into_response(),
    )
}

/// How long a request may take.
pub(crate) fn time_limit(state: &AppState) -> Duration {
    Duration::from_millis(state.engine.limits.request_timeout_ms.max(1))
}

/// The answer to a request that took longer than `limit`.
pub(crate) fn timed_out(limit: Duration) -> Response {
    ApiError::unavailable(
        "timeout",
        format!("the request took longer than {} ms", limit.as_millis()),
    )
    .into_response()
}

impl<S> tower::Service<Request> for Guard<S>
where
    S: tower::Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Guarded<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Guarded<S::Future> {
        if let Some(response) = refusal(&self.state, &request) {
            return Guarded::Refused {
                response: Some(response),
            };
        }
        let timeout = time_limit(&self.state);
        Guarded::Admitted {
            route: tokio::time::timeout(timeout, self.inner.call(request)),
            timeout,
        }
    }
}

pin_project_lite::pin_project! {
    /// A refused request's answer, or the admitted route's future under the time-out.
    #[project = GuardedProjection]
    pub enum Guarded<F> {
        Refused { response: Option<Response> },
        Admitted {
            #[pin]
            route: tokio::time::Timeout<F>,
            timeout: Duration,
        },
    }
}

impl<F: Future<Output = Result<Response, Infallible>>> Future for Guarded<F> {
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            GuardedProjection::Refused { response } => Poll::Ready(Ok(response
                .take()
                .unwrap_or_else(|| ApiError::internal("answered twice").into_response()))),
            GuardedProjection::Admitted { route, timeout } => {
                Poll::Ready(Ok(match ready!(route.poll(cx)) {
                    Ok(Ok(response)) => response,
                    Ok(Err(never)) => match never {},
                    Err(_) => timed_out(*timeout),
                }))
            }
        }
    }
}
