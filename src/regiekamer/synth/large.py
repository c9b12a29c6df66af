"""write_large_jw323: one very large, XSD-valid JW323 for the streaming-ingest benchmark.

The file is written with string templates through a large buffer (> 50 MB/s). The
TotaalIngediendBedrag comes before the lines in the XSD, so it is written as a 12-digit
zero-padded placeholder (a valid xs:integer) and patched in place at the end.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from regiekamer.standards.messages import gemeenten
from regiekamer.synth import xmlmsg as X
from regiekamer.synth.common import agb_codes, bsns
from regiekamer.synth.reference import products

_BLOCK = 2_000  # clients rendered per batch of random draws
_MAX_TOTAL = 999_999_999_999  # LDT_TotaalBedrag


def write_large_jw323(path: Path, *, target_bytes: int, seed: int = 1, year: int = 2025) -> int:
    """Stream one JW323 of about ``target_bytes`` to ``path``; return the number of Prestaties."""
    rng = np.random.default_rng(seed)
    gem = sorted(gemeenten())[int(rng.integers(len(gemeenten())))]
    agb = agb_codes(rng, 1)[0]
    cat = [p for p in products() if p.wet == "jeugd" and p.frequentie in ("2", "4")]
    month, last = 3, 31
    begin, end = f"{year}-{month:02d}-01", f"{year}-{month:02d}-{last}"
    dagt = f"{year}-{month + 1:02d}-08"
    pool = bsns(rng, 50_000)  # BSNs repeat after 50,000 clients; fine for a benchmark
    head = X.open_bericht("JW323", agb, gem, "000000000001", dagt)
    pre = (
        f"{head}</Header>\n<Declaratie><DeclaratieNummer>D000000001</DeclaratieNummer>"
        f"<DeclaratiePeriode><b:Begindatum>{begin}</b:Begindatum><b:Einddatum>{end}"
        f"</b:Einddatum></DeclaratiePeriode><DeclaratieDagtekening>{dagt}</DeclaratieDagtekening>"
        f"<TotaalIngediendBedrag><b:TotaalBedrag>"
    )
    post = "</b:TotaalBedrag><b:DebetCredit>D</b:DebetCredit></TotaalIngediendBedrag>\n<Clienten>\n"
    tail = "</Clienten></Declaratie>\n</Bericht>\n"
    # Per product the constant middle part of a Prestatie, rendered once.
    mids = [
        (
            "</b:ReferentieNummer></ProductReferentie><ToewijzingNummer>",
            f"</ToewijzingNummer><ProductCategorie>{p.cat}</ProductCategorie><ProductCode>"
            f"{p.code}</ProductCode><ProductPeriode><b:Begindatum>{begin}</b:Begindatum>"
            f"<b:Einddatum>{end}</b:Einddatum></ProductPeriode><GeleverdVolume>",
            f"</GeleverdVolume><Eenheid>{p.eenheid}</Eenheid><ProductTarief>{p.tarief(year)}"
            f"</ProductTarief><IngediendBedrag><b:Bedrag>",
            p.tarief(year),
        )
        for p in cat
    ]
    total = lines = clients = 0
    written = 0
    with open(path, "w", encoding="utf-8", buffering=8 << 20) as fh:
        fh.write(pre)
        offset = len(pre.encode())
        fh.write("0" * 12 + post)
        written = offset + 12 + len(post)
        while written < target_bytes - len(tail):
            # ~1.7 kB per client: shrink the batch near the end to land close to the target.
            block = int(min(_BLOCK, max(16, (target_bytes - written) // 2_000)))
            n_per = rng.integers(1, 6, block)
            prods = rng.integers(0, len(mids), int(n_per.sum()))
            vols = rng.integers(4, 60, int(n_per.sum()))
            parts: list[str] = []
            k = 0
            for i in range(block):
                parts.append(f"<Client><Bsn>{pool[(clients + i) % len(pool)]}</Bsn><Prestaties>\n")
                for _ in range(n_per[i]):
                    a, b, c, tarief = mids[prods[k]]
                    vol = int(vols[k])
                    bedrag = vol * tarief
                    total += bedrag
                    lines += 1
                    parts.append(
                        f"<Prestatie><ProductReferentie><b:ReferentieNummer>R{lines:011d}{a}"
                        f"{100_000_000 + lines // 3}{b}{vol}{c}{bedrag}</b:Bedrag><b:DebetCredit>"
                        f"D</b:DebetCredit></IngediendBedrag></Prestatie>\n"
                    )
                    k += 1
                parts.append("</Prestaties></Client>\n")
            clients += block
            chunk = "".join(parts)
            fh.write(chunk)
            written += len(chunk)  # ASCII only: characters == bytes
        fh.write(tail)
    if total > _MAX_TOTAL:
        raise ValueError("file too large for one declaration total (LDT_TotaalBedrag)")
    with open(path, "r+b") as fh:
        fh.seek(offset)
        fh.write(f"{total:012d}".encode())
    return lines
