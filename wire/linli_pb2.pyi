from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SignedStatement(_message.Message):
    __slots__ = ("entry",)
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    entry: bytes
    def __init__(self, entry: _Optional[bytes] = ...) -> None: ...

class CastBallotRequest(_message.Message):
    __slots__ = ("election_id", "ballot")
    ELECTION_ID_FIELD_NUMBER: _ClassVar[int]
    BALLOT_FIELD_NUMBER: _ClassVar[int]
    election_id: str
    ballot: bytes
    def __init__(self, election_id: _Optional[str] = ..., ballot: _Optional[bytes] = ...) -> None: ...

class Receipt(_message.Message):
    __slots__ = ("election_id", "leaf_index", "leaf_hash", "tree_size", "inclusion_proof", "checkpoint")
    ELECTION_ID_FIELD_NUMBER: _ClassVar[int]
    LEAF_INDEX_FIELD_NUMBER: _ClassVar[int]
    LEAF_HASH_FIELD_NUMBER: _ClassVar[int]
    TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    INCLUSION_PROOF_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    election_id: str
    leaf_index: int
    leaf_hash: bytes
    tree_size: int
    inclusion_proof: _containers.RepeatedScalarFieldContainer[bytes]
    checkpoint: bytes
    def __init__(self, election_id: _Optional[str] = ..., leaf_index: _Optional[int] = ..., leaf_hash: _Optional[bytes] = ..., tree_size: _Optional[int] = ..., inclusion_proof: _Optional[_Iterable[bytes]] = ..., checkpoint: _Optional[bytes] = ...) -> None: ...

class ElectionRef(_message.Message):
    __slots__ = ("election_id",)
    ELECTION_ID_FIELD_NUMBER: _ClassVar[int]
    election_id: str
    def __init__(self, election_id: _Optional[str] = ...) -> None: ...

class ServerInfoRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ServerInfo(_message.Message):
    __slots__ = ("version", "log_origin_prefix", "verifier_key")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    LOG_ORIGIN_PREFIX_FIELD_NUMBER: _ClassVar[int]
    VERIFIER_KEY_FIELD_NUMBER: _ClassVar[int]
    version: str
    log_origin_prefix: str
    verifier_key: str
    def __init__(self, version: _Optional[str] = ..., log_origin_prefix: _Optional[str] = ..., verifier_key: _Optional[str] = ...) -> None: ...

class ElectionInfo(_message.Message):
    __slots__ = ("election_id", "phase", "definition", "public_key", "roll_size", "credentials_issued", "ballots_cast", "ballots_counted", "tree_size", "tally", "result")
    ELECTION_ID_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    DEFINITION_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    ROLL_SIZE_FIELD_NUMBER: _ClassVar[int]
    CREDENTIALS_ISSUED_FIELD_NUMBER: _ClassVar[int]
    BALLOTS_CAST_FIELD_NUMBER: _ClassVar[int]
    BALLOTS_COUNTED_FIELD_NUMBER: _ClassVar[int]
    TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    TALLY_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    election_id: str
    phase: str
    definition: bytes
    public_key: bytes
    roll_size: int
    credentials_issued: int
    ballots_cast: int
    ballots_counted: int
    tree_size: int
    tally: bytes
    result: bytes
    def __init__(self, election_id: _Optional[str] = ..., phase: _Optional[str] = ..., definition: _Optional[bytes] = ..., public_key: _Optional[bytes] = ..., roll_size: _Optional[int] = ..., credentials_issued: _Optional[int] = ..., ballots_cast: _Optional[int] = ..., ballots_counted: _Optional[int] = ..., tree_size: _Optional[int] = ..., tally: _Optional[bytes] = ..., result: _Optional[bytes] = ...) -> None: ...

class ListElectionsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListElectionsResponse(_message.Message):
    __slots__ = ("election_ids",)
    ELECTION_IDS_FIELD_NUMBER: _ClassVar[int]
    election_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, election_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class CheckpointRequest(_message.Message):
    __slots__ = ("election_id", "cosigned")
    ELECTION_ID_FIELD_NUMBER: _ClassVar[int]
    COSIGNED_FIELD_NUMBER: _ClassVar[int]
    election_id: str
    cosigned: bool
    def __init__(self, election_id: _Optional[str] = ..., cosigned: _Optional[bool] = ...) -> None: ...

class Checkpoint(_message.Message):
    __slots__ = ("note",)
    NOTE_FIELD_NUMBER: _ClassVar[int]
    note: bytes
    def __init__(self, note: _Optional[bytes] = ...) -> None: ...

class InclusionProofRequest(_message.Message):
    __slots__ = ("election_id", "leaf_index", "tree_size")
    ELECTION_ID_FIELD_NUMBER: _ClassVar[int]
    LEAF_INDEX_FIELD_NUMBER: _ClassVar[int]
    TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    election_id: str
    leaf_index: int
    tree_size: int
    def __init__(self, election_id: _Optional[str] = ..., leaf_index: _Optional[int] = ..., tree_size: _Optional[int] = ...) -> None: ...

class InclusionProof(_message.Message):
    __slots__ = ("leaf_index", "tree_size", "leaf_hash", "proof")
    LEAF_INDEX_FIELD_NUMBER: _ClassVar[int]
    TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    LEAF_HASH_FIELD_NUMBER: _ClassVar[int]
    PROOF_FIELD_NUMBER: _ClassVar[int]
    leaf_index: int
    tree_size: int
    leaf_hash: bytes
    proof: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, leaf_index: _Optional[int] = ..., tree_size: _Optional[int] = ..., leaf_hash: _Optional[bytes] = ..., proof: _Optional[_Iterable[bytes]] = ...) -> None: ...

class ConsistencyProofRequest(_message.Message):
    __slots__ = ("election_id", "size1", "size2")
    ELECTION_ID_FIELD_NUMBER: _ClassVar[int]
    SIZE1_FIELD_NUMBER: _ClassVar[int]
    SIZE2_FIELD_NUMBER: _ClassVar[int]
    election_id: str
    size1: int
    size2: int
    def __init__(self, election_id: _Optional[str] = ..., size1: _Optional[int] = ..., size2: _Optional[int] = ...) -> None: ...

class ConsistencyProof(_message.Message):
    __slots__ = ("size1", "size2", "proof")
    SIZE1_FIELD_NUMBER: _ClassVar[int]
    SIZE2_FIELD_NUMBER: _ClassVar[int]
    PROOF_FIELD_NUMBER: _ClassVar[int]
    size1: int
    size2: int
    proof: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, size1: _Optional[int] = ..., size2: _Optional[int] = ..., proof: _Optional[_Iterable[bytes]] = ...) -> None: ...

class EntriesRequest(_message.Message):
    __slots__ = ("election_id", "start", "limit")
    ELECTION_ID_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    election_id: str
    start: int
    limit: int
    def __init__(self, election_id: _Optional[str] = ..., start: _Optional[int] = ..., limit: _Optional[int] = ...) -> None: ...

class EntriesResponse(_message.Message):
    __slots__ = ("entries", "tree_size")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedScalarFieldContainer[bytes]
    tree_size: int
    def __init__(self, entries: _Optional[_Iterable[bytes]] = ..., tree_size: _Optional[int] = ...) -> None: ...

class CheckpointsResponse(_message.Message):
    __slots__ = ("notes",)
    NOTES_FIELD_NUMBER: _ClassVar[int]
    notes: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, notes: _Optional[_Iterable[bytes]] = ...) -> None: ...

class PostCredentialRequestRequest(_message.Message):
    __slots__ = ("election_id", "request")
    ELECTION_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    election_id: str
    request: bytes
    def __init__(self, election_id: _Optional[str] = ..., request: _Optional[bytes] = ...) -> None: ...

class PostCredentialRequestResponse(_message.Message):
    __slots__ = ("code",)
    CODE_FIELD_NUMBER: _ClassVar[int]
    code: str
    def __init__(self, code: _Optional[str] = ...) -> None: ...

class RelayRef(_message.Message):
    __slots__ = ("election_id", "code")
    ELECTION_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    election_id: str
    code: str
    def __init__(self, election_id: _Optional[str] = ..., code: _Optional[str] = ...) -> None: ...

class CredentialRequestResponse(_message.Message):
    __slots__ = ("request",)
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    request: bytes
    def __init__(self, request: _Optional[bytes] = ...) -> None: ...

class PostIssuanceRequest(_message.Message):
    __slots__ = ("election_id", "issuance")
    ELECTION_ID_FIELD_NUMBER: _ClassVar[int]
    ISSUANCE_FIELD_NUMBER: _ClassVar[int]
    election_id: str
    issuance: bytes
    def __init__(self, election_id: _Optional[str] = ..., issuance: _Optional[bytes] = ...) -> None: ...

class PostIssuanceResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class IssuanceResponse(_message.Message):
    __slots__ = ("issuance",)
    ISSUANCE_FIELD_NUMBER: _ClassVar[int]
    issuance: bytes
    def __init__(self, issuance: _Optional[bytes] = ...) -> None: ...

class AddCosignatureRequest(_message.Message):
    __slots__ = ("election_id", "tree_size", "cosignature")
    ELECTION_ID_FIELD_NUMBER: _ClassVar[int]
    TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    COSIGNATURE_FIELD_NUMBER: _ClassVar[int]
    election_id: str
    tree_size: int
    cosignature: bytes
    def __init__(self, election_id: _Optional[str] = ..., tree_size: _Optional[int] = ..., cosignature: _Optional[bytes] = ...) -> None: ...

class AddCosignatureResponse(_message.Message):
    __slots__ = ("note",)
    NOTE_FIELD_NUMBER: _ClassVar[int]
    note: bytes
    def __init__(self, note: _Optional[bytes] = ...) -> None: ...

class BoardMessage(_message.Message):
    __slots__ = ("election_id", "attempt", "round", "sender", "broadcast", "ciphertexts", "signature")
    class CiphertextsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: int
        value: bytes
        def __init__(self, key: _Optional[int] = ..., value: _Optional[bytes] = ...) -> None: ...
    ELECTION_ID_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    SENDER_FIELD_NUMBER: _ClassVar[int]
    BROADCAST_FIELD_NUMBER: _ClassVar[int]
    CIPHERTEXTS_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    election_id: str
    attempt: int
    round: str
    sender: int
    broadcast: bytes
    ciphertexts: _containers.ScalarMap[int, bytes]
    signature: bytes
    def __init__(self, election_id: _Optional[str] = ..., attempt: _Optional[int] = ..., round: _Optional[str] = ..., sender: _Optional[int] = ..., broadcast: _Optional[bytes] = ..., ciphertexts: _Optional[_Mapping[int, bytes]] = ..., signature: _Optional[bytes] = ...) -> None: ...

class PostBoardMessageResponse(_message.Message):
    __slots__ = ("stored",)
    STORED_FIELD_NUMBER: _ClassVar[int]
    stored: bool
    def __init__(self, stored: _Optional[bool] = ...) -> None: ...

class BoardRoundRequest(_message.Message):
    __slots__ = ("election_id", "attempt", "round", "recipient")
    ELECTION_ID_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    election_id: str
    attempt: int
    round: str
    recipient: int
    def __init__(self, election_id: _Optional[str] = ..., attempt: _Optional[int] = ..., round: _Optional[str] = ..., recipient: _Optional[int] = ...) -> None: ...

class BoardRoundResponse(_message.Message):
    __slots__ = ("messages",)
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    messages: _containers.RepeatedCompositeFieldContainer[BoardMessage]
    def __init__(self, messages: _Optional[_Iterable[_Union[BoardMessage, _Mapping]]] = ...) -> None: ...

class BoardStatusRequest(_message.Message):
    __slots__ = ("election_id",)
    ELECTION_ID_FIELD_NUMBER: _ClassVar[int]
    election_id: str
    def __init__(self, election_id: _Optional[str] = ...) -> None: ...

class BoardStatusResponse(_message.Message):
    __slots__ = ("attempt", "round", "senders", "key_published")
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    SENDERS_FIELD_NUMBER: _ClassVar[int]
    KEY_PUBLISHED_FIELD_NUMBER: _ClassVar[int]
    attempt: int
    round: str
    senders: _containers.RepeatedScalarFieldContainer[int]
    key_published: bool
    def __init__(self, attempt: _Optional[int] = ..., round: _Optional[str] = ..., senders: _Optional[_Iterable[int]] = ..., key_published: _Optional[bool] = ...) -> None: ...

class CeremonyTranscriptRequest(_message.Message):
    __slots__ = ("election_id",)
    ELECTION_ID_FIELD_NUMBER: _ClassVar[int]
    election_id: str
    def __init__(self, election_id: _Optional[str] = ...) -> None: ...

class CeremonyTranscript(_message.Message):
    __slots__ = ("attempt", "messages")
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    attempt: int
    messages: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, attempt: _Optional[int] = ..., messages: _Optional[_Iterable[bytes]] = ...) -> None: ...
