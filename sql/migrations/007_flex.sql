-- Flexible employment: the retirement age a woman chose at registration
-- (灵活就业女性可选择按 55 岁退休). NULL: by sex (men 60, women workers 50);
-- 'female55': the women cadres' age. Read by every later age rule for her.
ALTER TABLE persons ADD COLUMN retire_kind TEXT;
