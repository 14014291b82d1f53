CREATE TABLE `national_list_entries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`infno` text NOT NULL,
	`version` text NOT NULL,
	`code` text NOT NULL,
	`name` text NOT NULL,
	`begndate` text NOT NULL,
	`enddate` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `national_list_entries_key` ON `national_list_entries` (`infno`,`version`,`code`);