<?php echo 'public';
