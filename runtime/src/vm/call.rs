//! Service calls: a turn that reaches a `call` pauses (the conversation keeps a [`Paused`]
//! turn), hands the host a [`CallRequest`], and goes on when the host resumes it with the
//! answer — the result record converted to the operation's declared types
//! ([`crate::services::typed_result`]: an answer that does not fit is a failure), or a failure
//! that runs the nearest `on error`.

use super::exec::{InputKind, Machine, Operand, Stop, failed_turn, machine};
use super::*;
use crate::bundle::{Flow, Instr, Operation, Service};

/// A turn stopped at a `call`, as the conversation keeps it until `resume`: everything the
/// interpreter had that is not in the conversation already.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Paused {
    /// The `Call` instruction.
    pub(super) pc: u32,
    /// The call's arguments, one per declared parameter.
    pub(super) args: Vec<Operand>,
    /// What was on the stack under them (nothing, for the code the compiler writes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(super) stack: Vec<Operand>,
    /// The input the escalate block has yet to deliver, when the call is in an escalate
    /// ACTION.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) pending: Option<InputKind>,
    /// Instructions the turn had run: the step budget counts across calls.
    pub(super) steps: u32,
}

/// Continues the turn the conversation paused at a `call` with the service's answer.
pub(super) fn run_resume<'b>(
    bundle: &'b Bundle,
    conv: &mut Conversation,
    result: Result<Value, ServiceError>,
    clock: Clock,
) -> Turn<'b> {
    let Some(paused) = conv.calling.take() else {
        return failed_turn(conv, "resumed without a pending call");
    };
    let Some(mut m) = machine(bundle, conv, clock) else {
        return failed_turn(conv, "unknown flow");
    };
    let Paused {
        pc,
        args: _,
        stack,
        pending,
        steps,
    } = *paused;
    m.pc = pc;
    m.stack = stack;
    m.pending = pending;
    m.steps = steps;
    let stop = match m.answer_call(result) {
        Ok(()) => m.run(),
        Err(message) => Stop::Failed(message),
    };
    m.finish(stop)
}

/// The declarations a `Call` names: its service and operation.
pub(super) fn declarations(
    bundle: &Bundle,
    service: u32,
    operation: u32,
) -> Result<(&Service, &Operation), &'static str> {
    let service = bundle
        .services
        .get(service as usize)
        .ok_or("call to an unknown service")?;
    let op = service
        .operations
        .get(operation as usize)
        .ok_or("call to an unknown operation")?;
    Ok((service, op))
}

/// The request of the `Call` a paused turn stopped at.
pub(super) fn request<'b>(
    bundle: &'b Bundle,
    flow: &'b Flow,
    paused: &Paused,
) -> Option<CallRequest<'b>> {
    let Some(Instr::Call {
        service, operation, ..
    }) = flow.code.get(paused.pc as usize)
    else {
        return None;
    };
    let (service, op) = declarations(bundle, *service, *operation).ok()?;
    Some(CallRequest {
        service: bundle.str(service.name),
        operation: bundle.str(op.name),
        args: op
            .params
            .iter()
            .zip(&paused.args)
            .map(|(param, arg)| CallArg {
                name: bundle.str(param.name),
                value: arg.value.clone(),
                sensitive: arg.sensitive,
            })
            .collect(),
        timeout_ms: (service.timeout_ms > 0).then_some(service.timeout_ms),
    })
}

impl Machine<'_, '_> {
    /// Applies a service's answer to the `Call` at `pc`: the shaped record into its `into`
    /// name, or on failure `none` there and the nearest `on error`; `pc` moves on.
    pub(super) fn answer_call(
        &mut self,
        result: Result<Value, ServiceError>,
    ) -> Result<(), String> {
        let Some(Instr::Call {
            service,
            operation,
            into,
            on_error,
        }) = self.flow.code.get(self.pc as usize)
        else {
            return Err("resumed at an instruction that is not a call".into());
        };
        let (service_decl, op) = declarations(self.bundle, *service, *operation)?;
        let next = self.pc + 1;
        match result.and_then(|value| crate::services::typed_result(self.bundle, op, value)) {
            Ok(value) => {
                if let Some(var) = into {
                    let slot = self
                        .conv
                        .slots
                        .get_mut(*var as usize)
                        .ok_or("call into an unknown name")?;
                    *slot = value;
                }
            }
            Err(error) => {
                if let Some(slot) = into.and_then(|v| self.conv.slots.get_mut(v as usize)) {
                    *slot = Value::None;
                }
                let (service_name, op_name) =
                    (self.bundle.str(service_decl.name), self.bundle.str(op.name));
                self.event(format!("call {service_name}.{op_name} {error}"));
                let in_error_handler = self
                    .conv
                    .returns
                    .iter()
                    .any(|r| r.kind == HandlerKind::Error);
                if let (Some(handler), false) =
                    (on_error.or(self.flow.handlers.error), in_error_handler)
                {
                    self.enter_handler(ReturnTo::Pc(next), HandlerKind::Error)?;
                    return self.jump(handler);
                }
            }
        }
        self.jump(next)
    }
}
