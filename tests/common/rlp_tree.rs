//! An RLP item tree for the transaction-payload differential: parse a canonical encoding, change one node,
//! encode it again — every header in its shortest form, or a chosen node's header deliberately not — so a
//! mutation can break one rule at a time while the framing around it stays consistent.

/// How an item's header is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// The shortest header (a single byte below 0x80 is its own encoding).
    Canonical,
    /// A one-byte string below 0x80 behind a 0x81 prefix (other items as `Canonical`).
    Prefixed,
    /// The long form (length of the length, then the length) whatever the length.
    Long,
    /// The long form with a leading zero byte in the length.
    ZeroPaddedLength,
}

/// A byte string or a list, with the form of its header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A byte string.
    Bytes(Vec<u8>, Form),
    /// A list of items.
    List(Vec<Item>, Form),
}

impl Item {
    /// A canonical byte string.
    pub fn bytes(data: impl Into<Vec<u8>>) -> Self {
        Self::Bytes(data.into(), Form::Canonical)
    }

    /// The single item `data` is the canonical encoding of (nothing before or after it), if it is one.
    pub fn parse(data: &[u8]) -> Option<Self> {
        let (item, rest) = Self::parse_one(data)?;
        (rest.is_empty() && item.encode() == data).then_some(item)
    }

    fn parse_one(data: &[u8]) -> Option<(Self, &[u8])> {
        let (&prefix, rest) = data.split_first()?;
        if prefix < 0x80 {
            return Some((Self::bytes([prefix]), rest));
        }
        let (list, short) = if prefix >= 0xc0 { (true, prefix - 0xc0) } else { (false, prefix - 0x80) };
        let (len, rest) = if short <= 55 {
            (usize::from(short), rest)
        } else {
            let n = usize::from(short - 55);
            let (len_bytes, rest) = (rest.get(..n)?, rest.get(n..)?);
            (len_bytes.iter().try_fold(0usize, |acc, b| acc.checked_mul(256)?.checked_add(usize::from(*b)))?, rest)
        };
        let (body, rest) = (rest.get(..len)?, rest.get(len..)?);
        if !list {
            return Some((Self::bytes(body), rest));
        }
        let mut items = Vec::new();
        let mut body = body;
        while !body.is_empty() {
            let (item, tail) = Self::parse_one(body)?;
            items.push(item);
            body = tail;
        }
        Some((Self::List(items, Form::Canonical), rest))
    }

    /// The encoding, each header in its node's form.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(&mut out);
        out
    }

    fn encode_into(&self, out: &mut Vec<u8>) {
        match self {
            Self::Bytes(data, form) => {
                match (data.as_slice(), form) {
                    ([b], Form::Canonical) if *b < 0x80 => {}
                    ([b], Form::Prefixed) if *b < 0x80 => out.push(0x81),
                    _ => header(out, 0x80, data.len(), *form),
                }
                out.extend_from_slice(data);
            }
            Self::List(items, form) => {
                let body: Vec<u8> = items.iter().flat_map(Self::encode).collect();
                header(out, 0xc0, body.len(), *form);
                out.extend(body);
            }
        }
    }

    /// The number of nodes (this one and all below it).
    pub fn count(&self) -> usize {
        match self {
            Self::Bytes(..) => 1,
            Self::List(items, _) => 1 + items.iter().map(Self::count).sum::<usize>(),
        }
    }

    /// The node at `index` in pre-order (0 is this one).
    pub fn node_mut(&mut self, index: usize) -> Option<&mut Self> {
        if index == 0 {
            return Some(self);
        }
        let Self::List(items, _) = self else { return None };
        let mut index = index - 1;
        for item in items {
            let count = item.count();
            if index < count {
                return item.node_mut(index);
            }
            index -= count;
        }
        None
    }
}

/// Big-endian bytes of `n` without leading zeros (empty for 0).
pub fn be(n: u128) -> Vec<u8> {
    let bytes = n.to_be_bytes();
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    bytes[first..].to_vec()
}

fn header(out: &mut Vec<u8>, base: u8, len: usize, form: Form) {
    let length = be(len as u128);
    match form {
        Form::Canonical | Form::Prefixed if len <= 55 => out.push(base + len as u8),
        Form::Canonical | Form::Prefixed => {
            out.push(base + 55 + length.len() as u8);
            out.extend(length);
        }
        Form::Long => {
            let length = if length.is_empty() { vec![0] } else { length };
            out.push(base + 55 + length.len() as u8);
            out.extend(length);
        }
        Form::ZeroPaddedLength => {
            out.push(base + 56 + length.len() as u8);
            out.push(0);
            out.extend(length);
        }
    }
}
