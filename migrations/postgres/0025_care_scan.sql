-- The care scan at scale (issue 13): the birthday rules read only the contacts born on the
-- days they fire for, by month and day (service/care.rs BIRTHDAY_MONTH_DAY, the same
-- expression), instead of every contact with a birthday.

CREATE INDEX contacts_birthday_md ON contacts ((substr(birthday, 6, 5))) WHERE NOT deleted;
