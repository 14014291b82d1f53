DROP INDEX `claim_items_settlement_id_unique`;--> statement-breakpoint
ALTER TABLE `claim_items` ADD `released_at` text;--> statement-breakpoint
-- What a withdrawn or refused claim held lived only in claims.item_ids: it becomes released rows.
INSERT INTO `claim_items` (`claim_id`, `settlement_id`, `released_at`)
  SELECT c.`id`, CAST(j.value AS INTEGER), coalesce(c.`status_at`, c.`created_at`)
  FROM `claims` c, json_each(c.`item_ids`) j
  WHERE NOT EXISTS (SELECT 1 FROM `claim_items` x WHERE x.`claim_id` = c.`id` AND x.`settlement_id` = CAST(j.value AS INTEGER))
  ORDER BY c.`id`, j.key;--> statement-breakpoint
CREATE UNIQUE INDEX `claim_items_live_settlement` ON `claim_items` (`settlement_id`) WHERE released_at IS NULL;--> statement-breakpoint
ALTER TABLE `claims` DROP COLUMN `item_ids`;