"""The ``modulus_proof`` body of ``key.published`` (docs/record.md): fixed-width JSON of
:class:`crypto.threshold.ModulusProof`."""

from __future__ import annotations

from crypto import threshold
from voting.encoding import JSON, exact_keys, get, hex_int, parse_hex_bytes, parse_hex_int
from voting.errors import InvalidEncoding

__all__ = ["modulus_proof_from_json", "modulus_proof_to_json"]


def modulus_proof_to_json(proof: threshold.ModulusProof, modulus_bits: int) -> JSON:
    """The ``modulus_proof`` body of ``key.published`` (docs/record.md): fixed-width hex; the Blum bits a_i, b_i as
    two 128-bit masks (bit i = round i); Π^fac's integers in fixed-width two's complement."""
    nb = modulus_bits // 8
    widths = threshold.modulus_proof_widths(modulus_bits)
    blum, fac = proof.blum, proof.fac

    def signed(value: int, width: int) -> str:
        return int(value).to_bytes(width, "big", signed=True).hex()

    def mask(bits: tuple[int, ...]) -> str:
        return hex_int(sum(bit << i for i, bit in enumerate(bits)), threshold.MODULUS_PROOF_BLUM_ROUNDS // 8)

    return {
        "blum": {"a": mask(blum.a), "b": mask(blum.b), "w": hex_int(blum.w, nb), "x": [hex_int(x, nb) for x in blum.x]},
        "fac": {
            **{name: hex_int(getattr(fac, name), widths["ring"]) for name in ("A", "B", "P", "Q", "T")},
            "sigma": signed(fac.sigma, widths["sigma"]),
            "v": signed(fac.v, widths["v"]),
            "w1": signed(fac.w1, widths["w"]),
            "w2": signed(fac.w2, widths["w"]),
            "z1": signed(fac.z1, widths["z"]),
            "z2": signed(fac.z2, widths["z"]),
        },
        "sigmas": [hex_int(s, nb) for s in proof.sigmas],
    }


def modulus_proof_from_json(obj: JSON, modulus_bits: int) -> threshold.ModulusProof:
    """Parse :func:`modulus_proof_to_json`: exact fields, exact list lengths (checked before any value is parsed),
    fixed widths. Ranges and group membership are the verifier's (``crypto.threshold.verify_modulus``)."""
    what = "modulus_proof"
    exact_keys(obj, {"blum", "fac", "sigmas"}, what)
    nb = modulus_bits // 8
    widths = threshold.modulus_proof_widths(modulus_bits)

    def values(parent: JSON, key: str, count: int, where: str) -> list[JSON]:
        items: list[JSON] = get(parent, key, list, where)
        if len(items) != count:
            raise InvalidEncoding(f"{where}.{key}: expected {count} values, got {len(items)}")
        return items

    def bits(value: JSON, where: str) -> tuple[int, ...]:
        m = parse_hex_int(value, where, threshold.MODULUS_PROOF_BLUM_ROUNDS // 8)
        return tuple((m >> i) & 1 for i in range(threshold.MODULUS_PROOF_BLUM_ROUNDS))

    def signed(value: JSON, where: str, width: int) -> int:
        return int.from_bytes(parse_hex_bytes(value, where, width), "big", signed=True)

    sigmas = values(obj, "sigmas", threshold.MODULUS_PROOF_ROUNDS, what)
    blum = exact_keys(get(obj, "blum", dict, what), {"a", "b", "w", "x"}, f"{what}.blum")
    xs = values(blum, "x", threshold.MODULUS_PROOF_BLUM_ROUNDS, f"{what}.blum")
    fac = exact_keys(
        get(obj, "fac", dict, what), {"A", "B", "P", "Q", "T", "sigma", "v", "w1", "w2", "z1", "z2"}, f"{what}.fac"
    )
    ring = {name: parse_hex_int(fac[name], f"{what}.fac.{name}", widths["ring"]) for name in ("A", "B", "P", "Q", "T")}
    return threshold.ModulusProof(
        sigmas=tuple(parse_hex_int(s, f"{what}.sigmas", nb) for s in sigmas),
        blum=threshold.BlumProof(
            w=parse_hex_int(blum["w"], f"{what}.blum.w", nb),
            x=tuple(parse_hex_int(x, f"{what}.blum.x", nb) for x in xs),
            a=bits(blum["a"], f"{what}.blum.a"),
            b=bits(blum["b"], f"{what}.blum.b"),
        ),
        fac=threshold.FacProof(
            **ring,
            sigma=signed(fac["sigma"], f"{what}.fac.sigma", widths["sigma"]),
            z1=signed(fac["z1"], f"{what}.fac.z1", widths["z"]),
            z2=signed(fac["z2"], f"{what}.fac.z2", widths["z"]),
            w1=signed(fac["w1"], f"{what}.fac.w1", widths["w"]),
            w2=signed(fac["w2"], f"{what}.fac.w2", widths["w"]),
            v=signed(fac["v"], f"{what}.fac.v", widths["v"]),
        ),
    )
