//! Failures and exit codes. Every failure prints as ONE line on stderr — what failed, then what to do — and
//! exits with the code of its class:
//!
//! | code | class | examples |
//! |---|---|---|
//! | 0 | success | |
//! | 1 | internal | a bug, a failed build of the contracts, an I/O error writing output |
//! | 2 | usage | bad flags or values, a bad config file, no RPC/proxy/wallet given, a malformed private key, an unknown chain name |
//! | 3 | chain | RPC unreachable or erroring, no contract at the proxy, a transaction the node refused (funds), no receipt |
//! | 4 | protocol | the contract refused (fee below the quote, unknown chain or wallet type, no key), request not found, rejected, not answered in time |

use std::fmt;
use zrsign::{bindings::Revert, chain::ChainError};

/// The class of a failure; its discriminant is the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// A bug or an unexpected local failure.
    Internal = 1,
    /// The command line, the environment or the config file is wrong.
    Usage = 2,
    /// The chain (its RPC, or what is deployed on it) is not as needed.
    Chain = 3,
    /// The protocol said no: a contract revert, a rejected or unanswered request.
    Protocol = 4,
}

/// A failure: what failed, and what to do about it.
#[derive(Debug, Clone)]
pub struct Failure {
    /// Its class (the exit code).
    pub class: Class,
    /// What failed.
    pub what: String,
    /// What to do.
    pub hint: Option<String>,
}

/// `Result` of the commands.
pub type Outcome<T> = Result<T, Failure>;

impl Failure {
    fn new(class: Class, what: impl Into<String>, hint: Option<String>) -> Self {
        Self { class, what: one_line(&what.into()), hint: hint.map(|h| one_line(&h)) }
    }

    /// A usage failure.
    pub fn usage(what: impl Into<String>, hint: impl Into<String>) -> Self {
        Self::new(Class::Usage, what, Some(hint.into()))
    }

    /// A chain failure.
    pub fn chain(what: impl Into<String>, hint: impl Into<String>) -> Self {
        Self::new(Class::Chain, what, Some(hint.into()))
    }

    /// A protocol failure.
    pub fn protocol(what: impl Into<String>, hint: impl Into<String>) -> Self {
        Self::new(Class::Protocol, what, Some(hint.into()))
    }

    /// An internal failure.
    pub fn internal(what: impl Into<String>) -> Self {
        Self::new(Class::Internal, what, None)
    }

    /// The same failure with `context` in front of what failed.
    pub fn context(mut self, context: impl fmt::Display) -> Self {
        self.what = format!("{context}: {}", self.what);
        self
    }

    /// A chain error met while doing `doing`, classified.
    pub fn from_chain(doing: impl fmt::Display, e: &ChainError) -> Self {
        use zrsign::chain::TxRejection;
        let (class, what, hint): (Class, String, String) = match e {
            ChainError::Reverted { revert } => {
                let (what, hint) = describe_revert(revert);
                (Class::Protocol, what, hint)
            }
            ChainError::Unreachable { message, .. } => (
                Class::Chain,
                format!("the RPC is unreachable ({message})"),
                "check that the node is running and --rpc-url / ZRSIGN_RPC_URL is right; then try again".into(),
            ),
            ChainError::TxRejected { class: TxRejection::InsufficientFunds, .. } => (
                Class::Chain,
                "the wallet cannot pay for the transaction (insufficient funds)".into(),
                "fund the wallet's account on this chain".into(),
            ),
            ChainError::TxRejected { class, message } => (
                Class::Chain,
                format!("the node refused the transaction ({class}: {message})"),
                "check the wallet's nonce and balance, then try again".into(),
            ),
            ChainError::Unconfirmed { tx_hash, message, .. } => (
                Class::Chain,
                format!("transaction {tx_hash} was sent but not confirmed ({message})"),
                "look the hash up later; do not send it again blindly".into(),
            ),
            ChainError::Rpc { code, message, .. } => (
                Class::Chain,
                format!("the RPC answered with error {code}: {message}"),
                "check the endpoint serves this chain and method".into(),
            ),
            ChainError::Halted(message) => {
                (Class::Chain, format!("the transaction failed: {message}"), "try again with more gas".into())
            }
            other => (Class::Internal, other.to_string(), "report this as a bug".into()),
        };
        Self::new(class, format!("{doing}: {what}"), Some(hint))
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.hint {
            Some(hint) => write!(f, "{}; {hint}", self.what),
            None => f.write_str(&self.what),
        }
    }
}

impl std::error::Error for Failure {}

/// The innermost message of an error, one line.
pub fn root_message(e: &(dyn std::error::Error + 'static)) -> String {
    let mut current = e;
    while let Some(source) = current.source() {
        current = source;
    }
    one_line(&current.to_string())
}

/// Folds a multi-line message into one line.
pub fn one_line(message: &str) -> String {
    message.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("; ")
}

/// What a revert means for the user, and what to do.
pub fn describe_revert(revert: &Revert) -> (String, String) {
    use zrsign::bindings::{IZrSign::IZrSignErrors as E, OzErrors::OzErrorsErrors as Oz};
    match revert {
        Revert::ZrSign(E::ZrSignInsufficientFee(e)) => (
            format!("fee below the quote: the contract requires {} wei, {} wei was paid", e.required, e.paid),
            "pay at least the quote (`zrsign fees`), or leave --value out to pay the current quote".into(),
        ),
        Revert::ZrSign(E::ZrSignUnknownRequest(e)) => (
            format!("request {} not found on this deployment", e.requestId),
            "check the id and --proxy (ids are sequential from 1; `zrsign request show ID`)".into(),
        ),
        Revert::ZrSign(E::ZrSignUnknownChain(e)) => (
            format!("unknown chain {} on this deployment", e.chainId),
            "use a chain the deployment registered, or have its admin add it".into(),
        ),
        Revert::ZrSign(E::ZrSignChainNotAllowed(e)) => (
            format!("chain {} is not allowed for wallet type {}", e.chainId, e.walletTypeId),
            "use a chain allowed for the wallet type, or have the admin allow it".into(),
        ),
        Revert::ZrSign(E::ZrSignUnknownWalletType(e)) => (
            format!("unknown wallet type {} on this deployment", e.walletTypeId),
            "use a registered wallet type (`zrsign fees` lists them)".into(),
        ),
        Revert::ZrSign(E::ZrSignKeyNotFound(e)) => (
            format!("{} has no answered key {} of wallet type {}", e.owner, e.index, e.walletTypeId),
            "request one first: `zrsign key request --wait`".into(),
        ),
        Revert::ZrSign(E::ZrSignRequestNotOpen(e)) => (
            format!("request {} is {:?}, not open", e.requestId, e.status),
            "nothing to do for a settled request (`zrsign request show ID`)".into(),
        ),
        Revert::ZrSign(E::ZrSignRequestNotExpired(e)) => (
            format!("request {} can still be answered until block {}", e.requestId, e.deadline),
            "reclaim it after that block".into(),
        ),
        Revert::ZrSign(E::ZrSignNothingToWithdraw(e)) => {
            (format!("{} has nothing to withdraw", e.account), "nothing to do".into())
        }
        Revert::ZrSign(E::ZrSignRootKeyNotSet(_)) => (
            "the deployment has no root key yet".into(),
            "its admin must set one (`zrsign deploy --root-public-key …`)".into(),
        ),
        Revert::ZrSign(E::ZrSignInvalidHashLength(e)) => {
            (format!("a hash must be 32 bytes, got {}", e.length), "pass 32 bytes as 64 hex digits".into())
        }
        Revert::ZrSign(E::ZrSignTxChainIdMismatch(e)) => (
            format!("the transaction is for chain {}, the request names chain {}", e.actual, e.expected),
            "sign it for the destination chain".into(),
        ),
        Revert::ZrSign(e) => (format!("the contract refused: {e:?}"), "see IZrSign.sol for the error".into()),
        Revert::Oz(Oz::EnforcedPause(_)) => {
            ("the deployment is paused".into(), "wait until its pauser unpauses it".into())
        }
        Revert::Oz(Oz::AccessControlUnauthorizedAccount(e)) => {
            (format!("{} lacks role {}", e.account, e.neededRole), "use the wallet that holds the role".into())
        }
        other => (format!("the contract reverted: {other}"), "see IZrSign.sol for the error".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_print_on_one_line() {
        let f = Failure::usage("bad\nthing", "do\nthis").context("config");
        assert_eq!(f.to_string(), "config: bad; thing; do; this");
        assert_eq!(f.class as i32, 2);
    }
}
