/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MD_CARD_ERROR (md_card_error_quark ())

/**
 * MdCardError:
 * @MD_CARD_ERROR_NO_SERVICE: the PC/SC service (pcscd) is not running or went away
 * @MD_CARD_ERROR_NO_READER: the reader is unknown, unplugged or unavailable
 * @MD_CARD_ERROR_NO_CARD: no card in the reader
 * @MD_CARD_ERROR_REMOVED: the card was removed (or the link dropped) during an operation:
 *   a write may or may not have reached it
 * @MD_CARD_ERROR_RESET: another program reset the card during the operation
 * @MD_CARD_ERROR_BUSY: another program holds the card exclusively
 * @MD_CARD_ERROR_TIMEOUT: the reader or card did not answer in time
 * @MD_CARD_ERROR_UNRESPONSIVE: the card does not answer (mute, unpowered, wrong protocol)
 * @MD_CARD_ERROR_TRANSPORT: any other reader or PC/SC failure (the code is in the message)
 * @MD_CARD_ERROR_UNSUPPORTED: no profile knows this card
 * @MD_CARD_ERROR_STATUS: the card refused a command (status word in the message)
 * @MD_CARD_ERROR_BLANK: the card has not been issued
 * @MD_CARD_ERROR_BAD_MAC: a record fails its MAC: damaged or altered data
 * @MD_CARD_ERROR_FOREIGN: the data was written for another card (a copy) or under
 *   another site's key
 * @MD_CARD_ERROR_TRUNCATED: a record or file is shorter than its layout
 * @MD_CARD_ERROR_FORMAT: a record carries a version or value this program does not know
 * @MD_CARD_ERROR_ROLLBACK: the card's purchase count is below what the database expects:
 *   an older card image
 * @MD_CARD_ERROR_COUNT_JUMP: the card's purchase count is above what the database expects
 * @MD_CARD_ERROR_WRONG_CARD: not the card that was expected (another UID)
 * @MD_CARD_ERROR_WRONG_ACCOUNT: the card belongs to another account
 * @MD_CARD_ERROR_WRONG_KIND: the card is not of a kind this operation accepts
 * @MD_CARD_ERROR_NOT_ACTIVE: the account's card, but not its active one (lost or replaced)
 * @MD_CARD_ERROR_LOCKED: an SLE4442 whose PSC error counter is exhausted: locked for good
 * @MD_CARD_ERROR_PSC_TRIES: fewer than 3 PSC tries remain: presenting the PSC needs a
 *   supervisor's override
 * @MD_CARD_ERROR_PSC_REJECTED: the card refused the PSC
 * @MD_CARD_ERROR_INVALID: a value does not fit the card (amount, account number…)
 * @MD_CARD_ERROR_VERIFY: what was written does not read back
 * @MD_CARD_ERROR_NOT_REVERSIBLE: the meter has loaded the purchase: it cannot be taken back
 * @MD_CARD_ERROR_KEYS: the master key file is missing, unsafe or malformed
 *
 * Every failure of the card layer. Each carries a translated one-line message a
 * cashier can act on.
 */
typedef enum
{
  MD_CARD_ERROR_NO_SERVICE,
  MD_CARD_ERROR_NO_READER,
  MD_CARD_ERROR_NO_CARD,
  MD_CARD_ERROR_REMOVED,
  MD_CARD_ERROR_RESET,
  MD_CARD_ERROR_BUSY,
  MD_CARD_ERROR_TIMEOUT,
  MD_CARD_ERROR_UNRESPONSIVE,
  MD_CARD_ERROR_TRANSPORT,
  MD_CARD_ERROR_UNSUPPORTED,
  MD_CARD_ERROR_STATUS,
  MD_CARD_ERROR_BLANK,
  MD_CARD_ERROR_BAD_MAC,
  MD_CARD_ERROR_FOREIGN,
  MD_CARD_ERROR_TRUNCATED,
  MD_CARD_ERROR_FORMAT,
  MD_CARD_ERROR_ROLLBACK,
  MD_CARD_ERROR_COUNT_JUMP,
  MD_CARD_ERROR_WRONG_CARD,
  MD_CARD_ERROR_WRONG_ACCOUNT,
  MD_CARD_ERROR_WRONG_KIND,
  MD_CARD_ERROR_NOT_ACTIVE,
  MD_CARD_ERROR_LOCKED,
  MD_CARD_ERROR_PSC_TRIES,
  MD_CARD_ERROR_PSC_REJECTED,
  MD_CARD_ERROR_INVALID,
  MD_CARD_ERROR_VERIFY,
  MD_CARD_ERROR_NOT_REVERSIBLE,
  MD_CARD_ERROR_KEYS,
} MdCardError;

GQuark       md_card_error_quark            (void);

gboolean     md_card_error_is_transport     (const GError *error);

G_END_DECLS
