<?php echo 'private';
