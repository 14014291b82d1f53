CREATE TABLE `outbox_resends` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`old_msgid` text NOT NULL,
	`new_msgid` text NOT NULL,
	`infno` text NOT NULL,
	`subject` text,
	`refusal` text NOT NULL,
	`changes` text NOT NULL,
	`payload` text NOT NULL,
	`by` integer NOT NULL,
	`at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_resends_new_msgid_unique` ON `outbox_resends` (`new_msgid`);--> statement-breakpoint
ALTER TABLE `outbox` ADD `subject` text;--> statement-breakpoint
ALTER TABLE `outbox` ADD `refusal_raw` text;--> statement-breakpoint
UPDATE `outbox` SET `subject` = `order_key`;--> statement-breakpoint
UPDATE `outbox` SET `order_key` = 'psn:' || (SELECT `person_id` FROM `admissions` WHERE 'adm:' || `admissions`.`id` = `outbox`.`order_key`)
  WHERE `order_key` LIKE 'adm:%' AND EXISTS (SELECT 1 FROM `admissions` WHERE 'adm:' || `admissions`.`id` = `outbox`.`order_key`);
