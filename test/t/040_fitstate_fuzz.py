"""Hostile input for mlops.fitstate: mutated text forms and binary forms.

Generates, from a fixed seed, thousands of values that are near a valid state
(truncated, bytes flipped, fields changed, digits replaced, headers lying about
sizes) and feeds them to the type's input function (a cast from text) and to
its receive function (COPY ... FROM ... WITH (FORMAT binary)).  Each value must
either be rejected with an error of class 22 (data exception) or 08 (protocol
violation: the server's own check for a short binary message), or be accepted;
an accepted value must print back to a text that reads back to the same text
(the text form is exact).  The server must stay up throughout.

Runs against the cluster named by PGHOST/PGPORT/PGUSER.
"""
import os
import random
import struct
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import lib  # noqa: E402
from lib import fail, failures  # noqa: E402

DB = "mlops_t_fuzz"
N_TEXT = 3000
N_BINARY = 1500

# a statement that fails here is a failure of the test (exit 1): the server did not
# stay up, or the DO blocks let an error through
db = lib.Database(DB, error_status=1)
psql = db.psql


def mutate_text(rng, valid):
    s = list(valid)
    kind = rng.randrange(9)
    if kind == 0 and s:                      # truncate
        s = s[:rng.randrange(len(s))]
    elif kind == 1 and s:                    # replace characters
        for _ in range(rng.randint(1, 4)):
            s[rng.randrange(len(s))] = rng.choice("0123456789abcdefxz:-+ .\\'\"v")
    elif kind == 2:                          # insert characters
        for _ in range(rng.randint(1, 4)):
            s.insert(rng.randrange(len(s) + 1), rng.choice("0f:9-"))
    elif kind == 3:                          # change a header field
        parts = "".join(s).split(":")
        if len(parts) >= 6:
            i = rng.randrange(1, 5)
            parts[i] = rng.choice(["0", "-1", "1", "2", "999", "1000", "1001", "2147483648",
                                   "99999999999999999999", "", "+3", " 3", "3.0"])
        return ":".join(parts)
    elif kind == 4:                          # non-finite or extreme doubles in R
        head, _, hexes = "".join(s).rpartition(":")
        if hexes:
            pos = 16 * rng.randrange(max(1, len(hexes) // 16))
            word = rng.choice(["7ff0000000000000", "fff0000000000000", "7ff8000000000001",
                               "0000000000000001", "7fefffffffffffff", "8000000000000000"])
            hexes = hexes[:pos] + word + hexes[pos + 16:]
        return head + ":" + hexes
    elif kind == 5:                          # duplicate or drop a 16-digit word
        head, _, hexes = "".join(s).rpartition(":")
        pos = 16 * rng.randrange(max(1, len(hexes) // 16))
        hexes = hexes[:pos] + hexes[pos:pos + 16] * rng.randint(0, 2) + hexes[pos + 16:]
        return head + ":" + hexes
    elif kind == 6:                          # random garbage
        return "".join(rng.choice("v1:0123456789abcdef") for _ in range(rng.randint(0, 80)))
    elif kind == 7:                          # other version
        return rng.choice(["v0", "v2", "V1", "v11"]) + "".join(s)[2:]
    else:                                    # unchanged: must be accepted
        pass
    return "".join(s)


def copy_header():
    return b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)


def binary_value(rng, ncols_true):
    """A receive-function payload: valid, or with fields and lengths altered."""
    version, flags = 1, 1
    ncols, nrows, nskipped = ncols_true, 50, 0
    m = ncols_true + 1
    body = [rng.uniform(-10, 10) for _ in range(m * (m + 1) // 2)]
    kind = rng.randrange(8)
    if kind == 0:
        version = rng.choice([0, 2, 65535])
    elif kind == 1:
        ncols = rng.choice([-1, 0, 1, 2, 999, 1000, 1001, 2 ** 31 - 1, -2 ** 31])
    elif kind == 2:
        nrows = rng.choice([-1, 0, 1, 2 ** 62, -2 ** 63])
    elif kind == 3:
        flags = rng.choice([2, 3, 255, 65535])
    elif kind == 4:
        body[rng.randrange(len(body))] = rng.choice([float("inf"), float("-inf"), float("nan")])
    payload = struct.pack(">hhiqq", version & 0xffff if version < 32768 else version - 65536,
                          flags if flags < 32768 else flags - 65536, ncols, nrows, nskipped)
    payload += b"".join(struct.pack(">d", v) for v in body)
    if kind == 5:
        payload = payload[:rng.randrange(len(payload))]
    elif kind == 6:
        payload += bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
    return payload


def main():
    lib.require_cluster()
    db.create()
    psql("""CREATE TABLE d AS SELECT (i / 7.0)::float8 AS x1, sqrt(i)::float8 AS x2, sin(i)::float8 AS y
FROM generate_series(1, 40) i;
CREATE TABLE s (st mlops.fitstate);
CREATE TABLE cases (i int, t text);
CREATE TABLE outcome (i int, sqlstate text, roundtrip_ok boolean);
""")
    rng = random.Random(20261129)
    valid = [psql("SELECT mlops.fit_state(y, %s) FROM d;" % x).strip()
             for x in ("ARRAY[1, x1, x2]", "ARRAY[x1]", "ARRAY[1, x1, x2, x1 * x2, 1 / x1]")]
    cases = [mutate_text(rng, rng.choice(valid)) for _ in range(N_TEXT)]
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        for i, c in enumerate(cases):
            f.write("%d\t%s\n" % (i, c.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")))
        casefile = f.name
    with open(casefile) as f:
        r = lib.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", DB, "-c",
                     "COPY cases FROM STDIN"], f.read(), check=False)
    os.unlink(casefile)
    if r.returncode != 0:
        sys.stderr.write(r.stderr)
        return 1

    # text input: each case in its own subtransaction
    psql("""DO $$
DECLARE
    c record;
    st mlops.fitstate;
    ok boolean;
BEGIN
    FOR c IN SELECT * FROM cases ORDER BY i LOOP
        BEGIN
            st := c.t::mlops.fitstate;
            ok := st::text::mlops.fitstate::text = st::text;
            PERFORM mlops.fitstate_counts(st);
            BEGIN
                PERFORM mlops.ols_result(st);
            EXCEPTION WHEN data_exception OR invalid_parameter_value THEN
                NULL;
            END;
            INSERT INTO outcome VALUES (c.i, NULL, ok);
        EXCEPTION WHEN OTHERS THEN
            INSERT INTO outcome VALUES (c.i, SQLSTATE, NULL);
        END;
    END LOOP;
END $$;""")
    summary = psql("SELECT coalesce(sqlstate, 'accepted'), count(*) FROM outcome GROUP BY 1 ORDER BY 1;")
    print("text input of %d mutated states (SQLSTATE: count):" % N_TEXT)
    print("   " + summary.strip().replace("\n", "\n   "))
    bad = psql("SELECT count(*) FROM outcome WHERE sqlstate IS NOT NULL AND sqlstate NOT LIKE '22%';").strip()
    if bad != "0":
        fail("%s text cases raised errors outside class 22" % bad)
    bad = psql("SELECT count(*) FROM outcome WHERE sqlstate IS NULL AND NOT roundtrip_ok;").strip()
    if bad != "0":
        fail("%s accepted text cases do not print back exactly" % bad)
    unchanged = sum(1 for c in cases if c in valid)
    accepted_valid = psql("SELECT count(*) FROM outcome o JOIN cases c USING (i) WHERE o.sqlstate IS NULL "
                          "AND c.t IN (%s);" % ", ".join("'%s'" % v for v in valid)).strip()
    if int(accepted_valid) != unchanged:
        fail("%d unchanged valid states, but %s accepted" % (unchanged, accepted_valid))

    # binary input through COPY, files readable by the server
    work = tempfile.mkdtemp(prefix="mlops-fuzz-")
    os.chmod(work, 0o755)
    for i in range(N_BINARY):
        payload = binary_value(rng, rng.choice([1, 2, 5]))
        data = copy_header() + struct.pack(">hi", 1, len(payload)) + payload + struct.pack(">h", -1)
        path = os.path.join(work, "%d.bin" % i)
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, 0o644)
    psql("""CREATE TABLE boutcome (i int, sqlstate text);
DO $$
BEGIN
    FOR i IN 0..%d LOOP
        BEGIN
            EXECUTE format('COPY s FROM %%L WITH (FORMAT binary)', '%s/' || i || '.bin');
            INSERT INTO boutcome VALUES (i, NULL);
        EXCEPTION WHEN OTHERS THEN
            INSERT INTO boutcome VALUES (i, SQLSTATE);
        END;
    END LOOP;
END $$;""" % (N_BINARY - 1, work))
    for f in os.listdir(work):
        os.unlink(os.path.join(work, f))
    os.rmdir(work)
    summary = psql("SELECT coalesce(sqlstate, 'accepted'), count(*) FROM boutcome GROUP BY 1 ORDER BY 1;")
    print("binary input of %d altered states (SQLSTATE: count):" % N_BINARY)
    print("   " + summary.strip().replace("\n", "\n   "))
    bad = psql("SELECT count(*) FROM boutcome WHERE sqlstate IS NOT NULL "
               "AND sqlstate NOT LIKE '22%' AND sqlstate <> '08P01';").strip()
    if bad != "0":
        fail("%s binary cases raised errors outside classes 22 and 08P01" % bad)
    bad = psql("SELECT count(*) FROM s WHERE st::text::mlops.fitstate::text <> st::text;").strip()
    if bad != "0":
        fail("%s accepted binary values do not print back exactly" % bad)
    accepted = psql("SELECT count(*) FROM boutcome WHERE sqlstate IS NULL;").strip()
    if accepted == "0":
        fail("no binary value was accepted, so the generator is broken")

    if psql("SELECT 1;").strip() != "1":
        fail("the server does not answer")
    db.drop(check=False)
    if failures:
        print("040_fitstate_fuzz: %d failure(s)" % len(failures))
        return 1
    print("040_fitstate_fuzz: every hostile value was rejected with a data error or accepted exactly")
    return 0


if __name__ == "__main__":
    sys.exit(main())
