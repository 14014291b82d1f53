CREATE TABLE `dictionary_entries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`version` text NOT NULL,
	`type` text NOT NULL,
	`value` text NOT NULL,
	`label` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `dictionary_entries_key` ON `dictionary_entries` (`version`,`type`,`value`);--> statement-breakpoint
CREATE TABLE `medins_item_matches` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`version` text NOT NULL,
	`medins_list_codg` text NOT NULL,
	`medins_list_name` text,
	`med_list_codg` text NOT NULL,
	`begndate` text NOT NULL,
	`enddate` text
);
--> statement-breakpoint
CREATE INDEX `medins_item_matches_code` ON `medins_item_matches` (`version`,`medins_list_codg`);