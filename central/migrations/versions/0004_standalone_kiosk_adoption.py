"""A standalone kiosk brings its roster along when it is provisioned.

A kiosk that ran on its own keeps departments (with their rule sets) and employees that head office may not know.
When it is provisioned, it hands them over through two functions, so that every punch it recorded finds its
employee at the centre: a department is matched by name and an employee by employee number within the kiosk's
company; only what is missing is created (audited as done by that kiosk). Kiosks still have no INSERT or UPDATE
privilege on the roster: the functions run as the schema's owner and act only for the calling kiosk's company.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 20:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

DEPARTMENT_ARGS = "text, boolean, time, integer, time, numeric, numeric"
EMPLOYEE_ARGS = "text, text, text, text, text, numeric, boolean"


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION kiosk_adopt_department(
            p_name text, p_undertime boolean, p_shift_start time, p_grace_minutes integer,
            p_half_day_after time, p_half_day_hours numeric, p_regular_hours numeric
        ) RETURNS text LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
        AS $$
        DECLARE
            v_company text := kiosk_company();
            v_id text;
            v_code text;
        BEGIN
            IF v_company IS NULL THEN
                RAISE EXCEPTION 'only a registered kiosk may hand over its roster' USING ERRCODE = 'insufficient_privilege';
            END IF;
            SELECT id INTO v_id FROM departments WHERE company_id = v_company AND name = p_name;
            IF FOUND THEN
                RETURN v_id;  -- head office's department and rules stand
            END IF;
            -- A code from the name, made unique within the company.
            v_code := left(trim(both '-' from regexp_replace(p_name, '[^A-Za-z0-9._-]+', '-', 'g')), 56);
            IF v_code = '' THEN
                v_code := 'department';
            END IF;
            IF EXISTS (SELECT 1 FROM departments WHERE company_id = v_company AND code = v_code) THEN
                v_code := v_code || '-' || left(md5(random()::text), 6);
            END IF;
            v_id := md5(random()::text || clock_timestamp()::text);
            INSERT INTO departments (id, company_id, code, name) VALUES (v_id, v_company, v_code, p_name);
            INSERT INTO rule_sets (department_id, company_id, undertime, shift_start, grace_minutes, half_day_after,
                                   half_day_hours, regular_hours)
            VALUES (v_id, v_company, p_undertime, p_shift_start, p_grace_minutes, p_half_day_after, p_half_day_hours,
                    p_regular_hours);
            INSERT INTO audit_log (id, company_id, kiosk_id, at, actor, action, subject, detail)
            VALUES (gen_random_uuid(), v_company, kiosk_self(), now(), 'provisioning', 'department.adopted', v_code,
                    jsonb_build_object('name', p_name));
            RETURN v_id;
        END
        $$
        """
    )
    op.execute(
        """
        CREATE FUNCTION kiosk_adopt_employee(
            p_id text, p_number text, p_first_name text, p_last_name text, p_department text, p_daily_rate numeric,
            p_active boolean
        ) RETURNS text LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
        AS $$
        DECLARE
            v_company text := kiosk_company();
            v_id text;
            v_department text;
        BEGIN
            IF v_company IS NULL THEN
                RAISE EXCEPTION 'only a registered kiosk may hand over its roster' USING ERRCODE = 'insufficient_privilege';
            END IF;
            SELECT id INTO v_id FROM employees WHERE company_id = v_company AND number = p_number;
            IF FOUND THEN
                RETURN v_id;  -- the same person, as head office knows them
            END IF;
            SELECT id INTO v_department FROM departments WHERE company_id = v_company AND name = p_department;
            INSERT INTO employees (id, company_id, number, first_name, last_name, department_id, daily_rate, active)
            VALUES (p_id, v_company, p_number, p_first_name, p_last_name, v_department, p_daily_rate, p_active);
            INSERT INTO audit_log (id, company_id, kiosk_id, at, actor, action, subject, detail)
            VALUES (gen_random_uuid(), v_company, kiosk_self(), now(), 'provisioning', 'employee.adopted', p_number,
                    jsonb_build_object('name', p_first_name || ' ' || p_last_name));
            RETURN p_id;
        END
        $$
        """
    )
    for name, args in (("kiosk_adopt_department", DEPARTMENT_ARGS), ("kiosk_adopt_employee", EMPLOYEE_ARGS)):
        op.execute(f"REVOKE ALL ON FUNCTION {name}({args}) FROM PUBLIC")
        op.execute(f"GRANT EXECUTE ON FUNCTION {name}({args}) TO timeclock_kiosk")


def downgrade() -> None:
    op.execute(f"DROP FUNCTION IF EXISTS kiosk_adopt_employee({EMPLOYEE_ARGS})")
    op.execute(f"DROP FUNCTION IF EXISTS kiosk_adopt_department({DEPARTMENT_ARGS})")
