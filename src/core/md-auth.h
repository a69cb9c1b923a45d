/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "md-store.h"

G_BEGIN_DECLS

#define MD_AUTH_ERROR (md_auth_error_quark ())

typedef enum
{
  MD_AUTH_ERROR_BAD_CREDENTIALS,
  MD_AUTH_ERROR_LOCKED,
  MD_AUTH_ERROR_INACTIVE,
  MD_AUTH_ERROR_DENIED,
  MD_AUTH_ERROR_APPROVAL,
  MD_AUTH_ERROR_WEAK_PASSWORD,
  MD_AUTH_ERROR_NO_OPERATOR,
} MdAuthError;

/**
 * MdRole:
 *
 * Departments (MISSION.md): an operator holds one or more roles, and each
 * role grants a fixed set of permissions (md_role_get_permissions()).
 */
typedef enum /*< flags >*/
{
  MD_ROLE_NONE        = 0,
  MD_ROLE_CASHIER     = 1 << 0,
  MD_ROLE_SUPERVISOR  = 1 << 1,
  MD_ROLE_FINANCE     = 1 << 2,
  MD_ROLE_UTILIZATION = 1 << 3,
  MD_ROLE_METERING    = 1 << 4,
  MD_ROLE_AUDITOR     = 1 << 5,
  MD_ROLE_ADMIN       = 1 << 6,
} MdRole;

#define MD_ROLE_ALL ((MdRole) 0x7f)

typedef enum
{
  MD_PERM_SELL,
  MD_PERM_SHIFT,
  MD_PERM_REVERSE,
  MD_PERM_REFUND,
  MD_PERM_APPROVE,
  MD_PERM_Z_REPORT,
  MD_PERM_CARD,
  MD_PERM_CARD_REPLACE,
  MD_PERM_TARIFF,
  MD_PERM_FEE,
  MD_PERM_CATEGORY,
  MD_PERM_ACCOUNT,
  MD_PERM_METER,
  MD_PERM_METER_CONTROL,
  MD_PERM_METER_READ,
  MD_PERM_SITE,
  MD_PERM_ALARM,
  MD_PERM_BATCH,
  MD_PERM_REPORT,
  MD_PERM_VIEW,
  MD_PERM_AUDIT,
  MD_PERM_OPERATOR,
  MD_PERM_SETTINGS,
  MD_PERM_BACKUP,
  MD_PERM_RESTORE,
  MD_N_PERMISSIONS
} MdPermission;

#define MD_APPROVAL_LIFETIME_USEC   (60 * G_USEC_PER_SEC)
#define MD_LOCKOUT_FAILURES         10
#define MD_LOCKOUT_USEC             ((gint64) 30 * 60 * G_USEC_PER_SEC)
#define MD_PASSWORD_MIN_CHARS       6
#define MD_PASSWORD_MAX_BYTES       128

#define MD_TYPE_SESSION (md_session_get_type ())
G_DECLARE_FINAL_TYPE (MdSession, md_session, MD, SESSION, GObject)

typedef struct _MdApproval MdApproval;

typedef struct
{
  gint64   id;
  char    *name;
  char    *full_name;
  MdRole   roles;
  gboolean active;
  gint64   failed_logins;
  gint64   locked_until;
  gint64   created_at;
} MdOperatorInfo;

GQuark       md_auth_error_quark           (void);

const char  *md_role_to_string             (MdRole          role);
const char  *md_role_get_label             (MdRole          role);
gboolean     md_roles_parse                (const char     *text,
                                            MdRole         *out_roles,
                                            GError        **error);
char        *md_roles_to_string            (MdRole          roles);
guint64      md_role_get_permissions       (MdRole          roles);
const char  *md_permission_to_string       (MdPermission    permission);
const char  *md_permission_get_label       (MdPermission    permission);

gboolean     md_password_check             (const char     *password,
                                            GError        **error);

MdSession   *md_session_login              (MdStore        *store,
                                            const char     *terminal,
                                            const char     *name,
                                            const char     *password,
                                            GError        **error);
MdSession   *md_session_new_system         (MdStore        *store,
                                            const char     *terminal);
gboolean     md_session_is_system          (MdSession      *self);
MdStore     *md_session_get_store          (MdSession      *self);
const char  *md_session_get_terminal       (MdSession      *self);
gint64       md_session_get_operator_id    (MdSession      *self);
const char  *md_session_get_operator_name  (MdSession      *self);
MdRole       md_session_get_roles          (MdSession      *self);
gboolean     md_session_has_permission     (MdSession      *self,
                                            MdPermission    permission);
gboolean     md_session_require            (MdSession      *self,
                                            MdPermission    permission,
                                            GError        **error);
void         md_session_touch              (MdSession      *self);
gint64       md_session_get_idle_usec      (MdSession      *self);

MdApproval  *md_session_request_approval   (MdSession      *self,
                                            MdPermission    permission,
                                            const char     *approver,
                                            const char     *password,
                                            GError        **error);
gboolean     md_session_authorize          (MdSession      *self,
                                            MdPermission    permission,
                                            MdApproval     *approval,
                                            gint64         *out_approver_id,
                                            GError        **error);
gint64       md_approval_get_approver_id   (MdApproval     *approval);
void         md_approval_free              (MdApproval     *approval);

gboolean     md_audit_record               (MdSession      *self,
                                            gint64          approver_id,
                                            const char     *action,
                                            const char     *object,
                                            const char     *detail,
                                            GError        **error);

gboolean     md_operators_exist            (MdStore        *store,
                                            gboolean       *out_exist,
                                            GError        **error);
gboolean     md_operator_create_first_admin (MdStore       *store,
                                            const char     *terminal,
                                            const char     *name,
                                            const char     *password,
                                            GError        **error);
gboolean     md_operator_add               (MdSession      *self,
                                            const char     *name,
                                            const char     *full_name,
                                            MdRole          roles,
                                            const char     *password,
                                            gint64         *out_id,
                                            GError        **error);
gboolean     md_operator_set_password      (MdSession      *self,
                                            const char     *name,
                                            const char     *password,
                                            GError        **error);
gboolean     md_operator_set_roles         (MdSession      *self,
                                            const char     *name,
                                            MdRole          roles,
                                            GError        **error);
gboolean     md_operator_set_active        (MdSession      *self,
                                            const char     *name,
                                            gboolean        active,
                                            GError        **error);
gboolean     md_operator_unlock            (MdSession      *self,
                                            const char     *name,
                                            GError        **error);
GPtrArray   *md_operator_list              (MdSession      *self,
                                            GError        **error);
void         md_operator_info_free         (MdOperatorInfo *info);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MdApproval, md_approval_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MdOperatorInfo, md_operator_info_free)

G_END_DECLS
