"""Company-wide faces and PINs: company key sets wrapped per recipient, and biometric erasures from anywhere.

* `kiosks.public_key`: the X25519 public key a kiosk's key set is wrapped to. Head office makes the kiosk's first
  key pair and hands the private half over in the one-time token; at provisioning the kiosk replaces the pair with
  one it made itself (`kiosk_replace_key`), as it replaces the token's password.
* `company_keys`: every version of a company's key set, wrapped for head office's key pair, whose private half
  lives in a file at head office and never in this database. Kiosks cannot read it.
* `kiosk_key_wraps`: the company's key set wrapped for one kiosk; a kiosk reads its own rows only.
* `biometric_erasures`: an employee's face data forgotten (at a kiosk, or at head office): a fact whose trigger
  revokes every template of the employee and writes the audit log (templates enrolled before it that arrive later
  arrive revoked); every kiosk deletes its copies and withdraws the consent it holds when it pulls the erasure.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 22:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

CHANGE_TXID = sa.text("(pg_current_xact_id()::text)::bigint")
TZ = postgresql.TIMESTAMP(timezone=True)
MINE = "company_id = (SELECT kiosk_company())"
AS_MYSELF = "kiosk_id = (SELECT kiosk_self())"


def _secure(table: str) -> None:
    op.execute(
        f"CREATE TRIGGER stamp_change_txid BEFORE INSERT OR UPDATE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION stamp_change_txid()"
    )
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(f"REVOKE ALL ON {table} FROM PUBLIC")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO timeclock_admin")
    op.execute(f"CREATE POLICY admin_all ON {table} TO timeclock_admin USING (true) WITH CHECK (true)")


def upgrade() -> None:
    op.add_column("kiosks", sa.Column("public_key", sa.LargeBinary(), nullable=True))
    op.create_table(
        "company_keys",
        sa.Column("company_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("head_office_public_key", sa.LargeBinary(), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", TZ, server_default=sa.text("now()"), nullable=False),
        sa.Column("retired_at", TZ, nullable=True),
        sa.Column("change_txid", sa.BigInteger(), server_default=CHANGE_TXID, nullable=False),
        sa.CheckConstraint("version >= 1", name=op.f("ck_company_keys_version")),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], name=op.f("fk_company_keys_company_id_companies")),
        sa.PrimaryKeyConstraint("company_id", "version", name=op.f("pk_company_keys")),
    )
    op.create_table(
        "kiosk_key_wraps",
        sa.Column("kiosk_id", sa.UUID(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.String(length=64), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", TZ, server_default=sa.text("now()"), nullable=False),
        sa.Column("change_txid", sa.BigInteger(), server_default=CHANGE_TXID, nullable=False),
        sa.ForeignKeyConstraint(["kiosk_id"], ["kiosks.id"], name=op.f("fk_kiosk_key_wraps_kiosk_id_kiosks")),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], name=op.f("fk_kiosk_key_wraps_company_id_companies")),
        sa.ForeignKeyConstraint(
            ["company_id", "version"],
            ["company_keys.company_id", "company_keys.version"],
            name=op.f("fk_kiosk_key_wraps_company_id_company_keys"),
        ),
        sa.PrimaryKeyConstraint("kiosk_id", "version", name=op.f("pk_kiosk_key_wraps")),
    )
    op.create_index(op.f("ix_kiosk_key_wraps_company_id"), "kiosk_key_wraps", ["company_id"], unique=False)
    op.create_table(
        "biometric_erasures",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("company_id", sa.String(length=64), nullable=False),
        sa.Column("employee_id", sa.String(length=64), nullable=False),
        sa.Column("kiosk_id", sa.UUID(), nullable=True),
        sa.Column("made_at", TZ, nullable=False),
        sa.Column("made_by", sa.String(length=100), nullable=False),
        sa.Column("change_txid", sa.BigInteger(), server_default=CHANGE_TXID, nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_biometric_erasures_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employees.id"], name=op.f("fk_biometric_erasures_employee_id_employees")
        ),
        sa.ForeignKeyConstraint(["kiosk_id"], ["kiosks.id"], name=op.f("fk_biometric_erasures_kiosk_id_kiosks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_biometric_erasures")),
    )
    op.create_index(op.f("ix_biometric_erasures_change_txid"), "biometric_erasures", ["change_txid"], unique=False)
    op.create_index(op.f("ix_biometric_erasures_company_id"), "biometric_erasures", ["company_id"], unique=False)

    for table in ("company_keys", "kiosk_key_wraps", "biometric_erasures"):
        _secure(table)
    # Kiosks never read head office's wraps; each reads the wraps made for itself.
    op.execute("GRANT SELECT ON kiosk_key_wraps TO timeclock_kiosk")
    op.execute(f"CREATE POLICY kiosk_read ON kiosk_key_wraps FOR SELECT TO timeclock_kiosk USING ({AS_MYSELF})")

    op.execute(
        """
        CREATE FUNCTION apply_biometric_erasure() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$
        DECLARE
            v_revoked integer;
        BEGIN
            -- Every template the centre holds now, whatever clock stamped it; those still on their way up from a
            -- kiosk arrive revoked (revoke_erased_template below).
            UPDATE face_templates SET sealed = NULL, revoked_at = now()
                WHERE employee_id = NEW.employee_id AND revoked_at IS NULL;
            GET DIAGNOSTICS v_revoked = ROW_COUNT;
            INSERT INTO audit_log (id, company_id, kiosk_id, at, actor, action, subject, detail)
            VALUES (gen_random_uuid(), NEW.company_id, NEW.kiosk_id, NEW.made_at, NEW.made_by, 'biometrics.deleted',
                    (SELECT number FROM employees WHERE id = NEW.employee_id),
                    jsonb_build_object('erasure', NEW.id, 'templates', v_revoked));
            RETURN NEW;
        END
        $$
        """
    )
    op.execute("REVOKE ALL ON FUNCTION apply_biometric_erasure() FROM PUBLIC")
    op.execute(
        "CREATE TRIGGER apply_biometric_erasure AFTER INSERT ON biometric_erasures "
        "FOR EACH ROW EXECUTE FUNCTION apply_biometric_erasure()"
    )
    op.execute(
        "CREATE TRIGGER check_employee_company BEFORE INSERT OR UPDATE ON biometric_erasures "
        "FOR EACH ROW EXECUTE FUNCTION check_employee_company()"
    )
    op.execute(
        "CREATE TRIGGER refuse_fact_change BEFORE UPDATE OR DELETE ON biometric_erasures "
        "FOR EACH ROW EXECUTE FUNCTION refuse_fact_change()"
    )
    # A template enrolled before an erasure but sent up after it arrives revoked: the person withdrew consent.
    op.execute(
        """
        CREATE FUNCTION revoke_erased_template() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$
        BEGIN
            IF NEW.revoked_at IS NULL AND EXISTS (
                SELECT 1 FROM biometric_erasures e WHERE e.employee_id = NEW.employee_id AND e.made_at >= NEW.created_at
            ) THEN
                NEW.sealed := NULL;
                NEW.revoked_at := now();
            END IF;
            RETURN NEW;
        END
        $$
        """
    )
    op.execute("REVOKE ALL ON FUNCTION revoke_erased_template() FROM PUBLIC")
    op.execute(
        "CREATE TRIGGER revoke_erased_template BEFORE INSERT ON face_templates "
        "FOR EACH ROW EXECUTE FUNCTION revoke_erased_template()"
    )
    op.execute("GRANT SELECT, INSERT ON biometric_erasures TO timeclock_kiosk")
    op.execute(f"CREATE POLICY kiosk_read ON biometric_erasures FOR SELECT TO timeclock_kiosk USING ({MINE})")
    op.execute(
        "CREATE POLICY kiosk_insert ON biometric_erasures FOR INSERT TO timeclock_kiosk "
        f"WITH CHECK ({MINE} AND {AS_MYSELF})"
    )

    # A kiosk replaces its own key pair (at provisioning: the token's pair with one it made itself), re-wrapping
    # its company's key sets for the new public key in the same transaction. It acts on its own row only.
    op.execute(
        """
        CREATE FUNCTION kiosk_replace_key(p_public_key bytea, p_versions integer[], p_wraps bytea[])
        RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
        AS $$
        DECLARE
            v_kiosk uuid := kiosk_self();
            v_company text := kiosk_company();
            v_held integer[];
        BEGIN
            IF v_kiosk IS NULL THEN
                RAISE EXCEPTION 'only a registered kiosk may replace its key' USING ERRCODE = 'insufficient_privilege';
            END IF;
            IF length(p_public_key) <> 32 THEN
                RAISE EXCEPTION 'a kiosk public key is 32 bytes' USING ERRCODE = 'invalid_parameter_value';
            END IF;
            SELECT coalesce(array_agg(version ORDER BY version), '{}') INTO v_held
                FROM kiosk_key_wraps WHERE kiosk_id = v_kiosk;
            IF v_held <> (SELECT coalesce(array_agg(v ORDER BY v), '{}') FROM unnest(p_versions) AS v)
               OR cardinality(p_versions) <> cardinality(p_wraps) THEN
                RAISE EXCEPTION 'the new key must carry every key version the kiosk holds (%)', v_held
                    USING ERRCODE = 'invalid_parameter_value';
            END IF;
            UPDATE kiosks SET public_key = p_public_key WHERE id = v_kiosk;
            DELETE FROM kiosk_key_wraps WHERE kiosk_id = v_kiosk;
            INSERT INTO kiosk_key_wraps (kiosk_id, version, company_id, wrapped)
                SELECT v_kiosk, v, v_company, w FROM unnest(p_versions, p_wraps) AS t(v, w);
            INSERT INTO audit_log (id, company_id, kiosk_id, at, actor, action, subject, detail)
            VALUES (gen_random_uuid(), v_company, v_kiosk, now(), 'provisioning', 'kiosk.key_replaced',
                    v_kiosk::text, jsonb_build_object('versions', p_versions));
            RETURN cardinality(p_versions);
        END
        $$
        """
    )
    op.execute("REVOKE ALL ON FUNCTION kiosk_replace_key(bytea, integer[], bytea[]) FROM PUBLIC")
    op.execute("GRANT EXECUTE ON FUNCTION kiosk_replace_key(bytea, integer[], bytea[]) TO timeclock_kiosk")


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS kiosk_replace_key(bytea, integer[], bytea[])")
    op.execute("DROP TRIGGER IF EXISTS revoke_erased_template ON face_templates")
    op.execute("DROP FUNCTION IF EXISTS revoke_erased_template()")
    op.drop_table("biometric_erasures")
    op.execute("DROP FUNCTION IF EXISTS apply_biometric_erasure()")
    op.drop_table("kiosk_key_wraps")
    op.drop_table("company_keys")
    op.drop_column("kiosks", "public_key")
